import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planTopology } from '../../topology/plan.ts';
import { allTopicSpecs, changelogTopic, deadLetterTopic, topics } from '../../topology/topics.ts';
import { renderMermaid } from '../../topology/diagram.ts';

describe('topology registry', () => {
  test('derives a DLQ for every consumed topic and a changelog per state store', () => {
    const names = allTopicSpecs().map((t) => t.name);
    assert.ok(names.includes(deadLetterTopic(topics.telemetry.name)));
    assert.ok(names.includes('agent.telemetry.v1.dlq'));
    assert.ok(names.includes(changelogTopic('signals', 'tenant-windows')));
    assert.equal(new Set(names).size, names.length, 'topic names are unique');
  });

  test('compacted topics are the tables: bundles and routing', () => {
    const compacted = Object.values(topics)
      .filter((t) => t.cleanupPolicy === 'compact')
      .map((t) => t.name)
      .sort();
    assert.deepEqual(compacted, ['deploy.bundles.v1', 'deploy.routing.v1']);
  });
});

describe('planTopology', () => {
  const desired = [topics.telemetry, topics.routing];

  test('creates what is missing', () => {
    const plan = planTopology(desired, []);
    assert.deepEqual(
      plan.create.map((t) => t.name),
      ['agent.telemetry.v1', 'deploy.routing.v1'],
    );
    assert.equal(plan.differences.length, 0);
  });

  test('is a no-op when everything matches', () => {
    const existing = desired.map((t) => ({
      name: t.name,
      partitions: t.partitions,
      configs: { 'cleanup.policy': t.cleanupPolicy, 'retention.ms': String(t.retentionMs) },
    }));
    const plan = planTopology(desired, existing);
    assert.equal(plan.create.length, 0);
    assert.equal(plan.differences.length, 0);
    assert.deepEqual(plan.unchanged, ['agent.telemetry.v1', 'deploy.routing.v1']);
  });

  test('reports, without changing, partitions and configs that differ', () => {
    const plan = planTopology(desired, [
      {
        name: 'agent.telemetry.v1',
        partitions: 3,
        configs: { 'cleanup.policy': 'delete', 'retention.ms': '1000' },
      },
      { name: 'deploy.routing.v1', partitions: 6, configs: { 'cleanup.policy': 'delete' } },
    ]);
    assert.equal(plan.create.length, 0);
    assert.deepEqual(
      plan.differences.map((d) => `${d.topic} ${d.setting} ${d.have}->${d.want}`),
      [
        'agent.telemetry.v1 partitions 3->12',
        'agent.telemetry.v1 retention.ms 1000->604800000',
        'deploy.routing.v1 cleanup.policy delete->compact',
      ],
    );
  });
});

describe('renderMermaid', () => {
  test('draws every topic with its producers and consumers', () => {
    const text = renderMermaid();
    assert.match(text, /^flowchart LR/);
    for (const t of Object.values(topics)) assert.ok(text.includes(t.name), t.name);
    assert.ok(text.includes('reversion --> deploy_routing_v1'));
    assert.ok(text.includes('deploy_routing_v1 --> gateways'));
  });
});
