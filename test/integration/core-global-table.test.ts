import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RolloutCommand } from '../../schemas/index.ts';
import { GlobalTable } from '../../services/core/global-table.ts';
import * as k from '../../services/core/kafka.ts';
import { cleanup, createTopics, testRuntime, uniqueName, waitFor } from './helpers.ts';

const topic = uniqueName('rollouts');
const rt = testRuntime('global-table', { rollouts: topic });
after(() => cleanup(rt.kafka, [topic]));

const command = (rolloutId: string, reason: string): RolloutCommand => ({
  commandId: `${rolloutId}-${reason}`,
  rolloutId,
  action: 'start',
  strategy: 'canary',
  candidateBundleId: `b-cand-${rolloutId}`,
  baselineBundleId: 'b-base',
  tenants: [{ tenantId: 't-1', tenantTier: 'pro' }],
  canaryPercent: 10,
  actor: 'test',
  reason,
  issuedAt: 1_750_000_000_000,
});

test('a global table holds the latest value per key of every partition, without tombstoned or aborted records', async () => {
  await createTopics(rt.kafka, [{ topic, partitions: 6, compact: true }]);
  await rt.codec.registerSchemas(['rollouts']);
  const keys = Array.from({ length: 20 }, (_, i) => `ro-${i}`);
  const producer = k.createIdempotentProducer(rt.kafka);
  const tx = k.createTransactionalProducer(rt.kafka, `test-${topic}-tx`);
  await producer.connect();
  await tx.connect();
  const table = new GlobalTable(rt, { topic: 'rollouts', readyTimeoutMs: 20_000 });
  const changes: string[] = [];
  table.onChange((key, value) => changes.push(`${key}:${value?.reason ?? 'deleted'}`));
  try {
    for (const version of ['v0', 'v1', 'v2']) {
      await producer.send({
        topic,
        messages: keys.map((key) => ({ key, value: rt.codec.encode('rollouts', command(key, version)) })),
      });
    }
    await producer.send({ topic, messages: keys.slice(0, 5).map((key) => ({ key, value: null })) });
    const aborted = await tx.transaction();
    await aborted.send({
      topic,
      messages: keys.map((key) => ({ key, value: rt.codec.encode('rollouts', command(key, 'aborted')) })),
    });
    await aborted.abort();

    const t0 = performance.now();
    await table.start();
    await table.ready();
    const readyMs = performance.now() - t0;
    assert.ok(readyMs < 15_000, `ready after ${Math.round(readyMs)} ms`);
    assert.equal(table.size, 15);
    for (const key of keys.slice(0, 5)) assert.equal(table.get(key), undefined, `${key} was tombstoned`);
    for (const key of keys.slice(5))
      assert.equal(table.get(key)?.reason, 'v2', `${key} holds its latest value`);
    assert.equal(changes.length, 65, '3 versions of 20 keys and 5 tombstones, each applied once');

    await producer.send({
      topic,
      messages: [{ key: 'ro-new', value: rt.codec.encode('rollouts', command('ro-new', 'late')) }],
    });
    await waitFor(() => table.get('ro-new') !== undefined, 'a record produced after ready');
    assert.equal(changes.at(-1), 'ro-new:late');
  } finally {
    await table.stop();
    await tx.disconnect();
    await producer.disconnect();
  }
});

test('a global table of an empty topic is ready at once', async () => {
  const empty = uniqueName('empty');
  const rt2 = testRuntime('global-table', { rollouts: empty });
  await createTopics(rt2.kafka, [{ topic: empty, partitions: 3 }]);
  const table = new GlobalTable(rt2, { topic: 'rollouts', readyTimeoutMs: 10_000 });
  try {
    await table.start();
    await table.ready();
    assert.equal(table.size, 0);
  } finally {
    await table.stop();
    await cleanup(rt2.kafka, [empty]);
  }
});
