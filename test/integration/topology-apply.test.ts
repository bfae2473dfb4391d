import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdmin } from '../../services/core/kafka.ts';
import { applyTopology } from '../../topology/apply.ts';
import { allTopicSpecs, type TopicSpec } from '../../topology/topics.ts';
import { testRuntime, uniqueName } from './helpers.ts';

const rt = testRuntime('topology-test');
const admin = createAdmin(rt.kafka);
const prefix = uniqueName('topology');
const specs: TopicSpec[] = allTopicSpecs().map((t) => ({ ...t, name: `${prefix}.${t.name}` }));

before(() => admin.connect());
after(async () => {
  await admin.deleteTopics({ topics: specs.map((t) => t.name) }).catch(() => undefined);
  await admin.disconnect();
});

test('topology apply creates every topic, and a second apply is a no-op', async () => {
  const first = await applyTopology(admin, specs);
  assert.equal(first.create.length, specs.length);
  assert.equal(first.differences.length, 0);

  const second = await applyTopology(admin, specs);
  assert.equal(second.create.length, 0, 'nothing created the second time');
  assert.equal(second.differences.length, 0, 'nothing differs');
  assert.deepEqual(second.unchanged.sort(), specs.map((t) => t.name).sort());
});

test('topology apply reports a topic whose partitions or cleanup policy differ, and leaves it alone', async () => {
  const [routing] = specs.filter((t) => t.name.endsWith('deploy.routing.v1'));
  assert.ok(routing);
  const changed: TopicSpec = { ...routing, partitions: routing.partitions + 2, cleanupPolicy: 'delete' };
  const plan = await applyTopology(admin, [changed]);
  assert.deepEqual(
    plan.differences.map((d) => d.setting),
    ['partitions', 'cleanup.policy'],
  );
  const meta = await admin.fetchTopicMetadata({ topics: [routing.name] });
  assert.equal(meta.topics[0]?.partitions.length, routing.partitions, 'partitions not changed');
});
