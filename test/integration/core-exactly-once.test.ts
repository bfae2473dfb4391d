import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { changelogTopic, deadLetterTopic } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import { StreamRunner } from '../../services/core/runner.ts';
import {
  cleanup,
  countingProcessor,
  countsByTenant,
  createTopics,
  readTopic,
  telemetryEvent,
  testRuntime,
  uniqueName,
  waitFor,
} from './helpers.ts';

const input = uniqueName('telemetry');
const output = uniqueName('evals');
const app = `eos-${input}`.replace(/\./g, '-');
const changelog = changelogTopic(app, 'counts');
const groupId = `test-${app}`;
const rt = testRuntime('exactly-once', { telemetry: input, evals: output });
after(() => cleanup(rt.kafka, [input, output, deadLetterTopic(input), changelog], [groupId]));

test('exactly-once: a failure mid-batch leaves no duplicate output and no double-counted state', async () => {
  await createTopics(rt.kafka, [
    { topic: input, partitions: 2 },
    { topic: output },
    { topic: deadLetterTopic(input) },
    { topic: changelog, partitions: 2, compact: true },
  ]);
  await rt.codec.registerSchemas(['telemetry']);
  const events = Array.from({ length: 60 }, (_, i) => telemetryEvent(i));
  const producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  const send = (batch: typeof events) =>
    producer.send({
      topic: input,
      messages: batch.map((e) => ({ key: e.tenantId, value: rt.codec.encode('telemetry', e) })),
    });

  // One failure before anything is committed, one after the first half is committed (state restored from a non-empty changelog).
  const failOnce = new Set([events[13]?.eventId ?? '', events[41]?.eventId ?? '']);
  const runner = new StreamRunner(
    {
      app,
      groupId,
      inputs: ['telemetry'],
      outputs: ['evals'],
      processor: countingProcessor(failOnce),
      stores: [{ name: 'counts', cacheEntries: 0 }],
      exactlyOnce: true,
    },
    rt,
  );
  const admin = k.createAdmin(rt.kafka);
  await admin.connect();
  const committedThrough = (n: number) =>
    waitFor(
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
        return (offsets?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) ?? 0) >= n;
      },
      `input offsets committed through ${n} records`,
      40_000,
    );
  await runner.start();
  try {
    await send(events.slice(0, 30));
    await committedThrough(30);
    await send(events.slice(30));
    await committedThrough(60);
  } finally {
    await runner.stop();
    await admin.disconnect();
    await producer.disconnect();
  }
  assert.equal(failOnce.size, 0, 'both failures were injected');

  const out = await readTopic(rt.kafka, output, events.length);
  await new Promise((r) => setTimeout(r, 500));
  const decoded = await Promise.all(out.map((m) => rt.codec.decode('evals', m.value)));
  assert.equal(decoded.length, events.length, 'one output per input, none duplicated');
  assert.deepEqual(new Set(decoded.map((d) => d.evalId)), new Set(events.map((e) => e.eventId)));
  for (const [tenant, counts] of countsByTenant(decoded)) {
    const expected = events.filter((e) => e.tenantId === tenant).length;
    assert.deepEqual(
      counts,
      Array.from({ length: expected }, (_, i) => i + 1),
      `counts of ${tenant}`,
    );
  }
});
