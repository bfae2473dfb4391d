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
const app = `rebalance-${input}`.replace(/\./g, '-');
const changelog = changelogTopic(app, 'counts');
const groupId = `test-${app}`;
const rename = { telemetry: input, evals: output };
// Two instances with their own state directories, as on two machines.
const first = testRuntime('rebalance-a', rename);
const second = testRuntime('rebalance-b', rename);
after(() => cleanup(first.kafka, [input, output, deadLetterTopic(input), changelog], [groupId]));

test('a partition that moves to a second instance resumes from its changelog: counts continue, none repeated', async (t) => {
  await createTopics(first.kafka, [
    { topic: input, partitions: 2 },
    { topic: output },
    { topic: deadLetterTopic(input) },
    { topic: changelog, partitions: 2, compact: true },
  ]);
  await first.codec.registerSchemas(['telemetry']);
  const events = Array.from({ length: 80 }, (_, i) => telemetryEvent(i));
  const producer = k.createIdempotentProducer(first.kafka);
  await producer.connect();
  const send = (batch: typeof events) =>
    producer.send({
      topic: input,
      messages: batch.map((e) => ({ key: e.tenantId, value: first.codec.encode('telemetry', e) })),
    });
  const options = {
    app,
    groupId,
    inputs: ['telemetry'] as const,
    outputs: ['evals'] as const,
    processor: countingProcessor(new Set()),
    stores: [{ name: 'counts' }],
  };
  const a = new StreamRunner({ ...options, inputs: ['telemetry'] }, first);
  const b = new StreamRunner({ ...options, inputs: ['telemetry'] }, second);
  const admin = k.createAdmin(first.kafka);
  await admin.connect();
  const committedThrough = (n: number) =>
    waitFor(
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
        return (offsets?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) ?? 0) >= n;
      },
      `offsets committed through ${n} records`,
      40_000,
    );
  try {
    await a.start();
    await send(events.slice(0, 40));
    await committedThrough(40);
    const t0 = performance.now();
    await b.start();
    await send(events.slice(40, 60));
    await committedThrough(60);
    t.diagnostic(
      `second instance joined and the group caught up in ${Math.round(performance.now() - t0)} ms`,
    );
    const lagSeries = (
      await first.metrics.registry.getSingleMetric('backtrack_stream_consumer_lag_records')?.get()
    )?.values.filter((v) => v.labels.topic === input);
    assert.equal(lagSeries?.length, 1, 'the first instance reports lag only for the partition it kept');
    await a.stop();
    await send(events.slice(60));
    await committedThrough(80);
  } finally {
    await a.stop();
    await b.stop();
    await admin.disconnect();
    await producer.disconnect();
  }
  const outputs = await Promise.all(
    (await readTopic(first.kafka, output, events.length)).map((m) => first.codec.decode('evals', m.value)),
  );
  assert.equal(outputs.length, events.length);
  for (const [tenant, counts] of countsByTenant(outputs)) {
    const expected = events.filter((e) => e.tenantId === tenant).length;
    assert.deepEqual(
      counts,
      Array.from({ length: expected }, (_, i) => i + 1),
      `counts of ${tenant}`,
    );
  }
});
