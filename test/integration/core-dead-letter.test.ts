import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterTopic } from '../../topology/topics.ts';
import { dlqHeaders, headerStrings } from '../../services/core/dead-letter.ts';
import * as k from '../../services/core/kafka.ts';
import type { Processor } from '../../services/core/processor.ts';
import { StreamRunner } from '../../services/core/runner.ts';
import type { EvalEvent } from '../../schemas/index.ts';
import {
  cleanup,
  counterValue,
  createTopics,
  readTopic,
  telemetryEvent,
  testRuntime,
  uniqueName,
  waitFor,
} from './helpers.ts';

const topic = uniqueName('telemetry');
const otherTopic = uniqueName('evals');
const dlq = deadLetterTopic(topic);
const rt = testRuntime('dead-letter', { telemetry: topic, evals: otherTopic });
const groupId = `test-dlq-${topic}`;
after(() => cleanup(rt.kafka, [topic, otherTopic, dlq], [groupId]));

const evalEvent: EvalEvent = {
  evalId: 'e-1',
  timestamp: 1_750_000_000_000,
  tenantId: 'tenant-0',
  requestEventId: 'evt-1',
  bundleId: 'b-1',
  baselineBundleId: 'b-0',
  arm: 'canary',
  judgeScore: 0.8,
  semanticSimilarity: null,
  evaluator: 'judge-v1',
};

test('six kinds of bad records land in the DLQ with distinct reasons, counted; the good record after them is processed', async (t) => {
  const t0 = performance.now();
  await createTopics(rt.kafka, [{ topic }, { topic: otherTopic }, { topic: dlq }]);
  await rt.codec.registerSchemas(['telemetry', 'evals']);
  const good = rt.codec.encode('telemetry', telemetryEvent(1));
  const unknownId = Buffer.from(good);
  unknownId.writeInt32BE(0x7ffffff0, 1);
  const bad: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['bad-magic-byte', Buffer.concat([Buffer.from([1]), good.subarray(1)])],
    ['unknown-schema-id', unknownId],
    ['truncated', good.subarray(0, Math.floor(good.length / 2))],
    ['wrong-schema', rt.codec.encode('evals', evalEvent)],
    ['invalid', rt.codec.encode('telemetry', telemetryEvent(2, { latencyMs: Number.NaN }))],
  ];
  const producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await producer.send({
    topic,
    messages: [...bad.map(([reason, value]) => ({ key: reason, value })), { key: 'good', value: good }],
  });
  await producer.disconnect();

  const processed: string[] = [];
  const processor = (): Processor<'telemetry'> => ({
    init: () => undefined,
    process: (r) => void processed.push(r.value.eventId),
    close: () => undefined,
  });
  const runner = new StreamRunner(
    {
      app: `dlq-${topic}`,
      groupId,
      inputs: ['telemetry'],
      processor,
      validate: {
        telemetry: (v) => (Number.isFinite(v.latencyMs) ? undefined : `latencyMs is ${v.latencyMs}`),
      },
    },
    rt,
  );
  const tRun = performance.now();
  await runner.start();
  try {
    await waitFor(() => processed.length >= 1, 'the good record');
  } finally {
    await runner.stop();
  }
  const processMs = performance.now() - tRun;
  assert.deepEqual(processed, [telemetryEvent(1).eventId]);

  const dead = await readTopic(rt.kafka, dlq, bad.length);
  assert.equal(dead.length, bad.length);
  const reasons = dead.map((m) => headerStrings(m.headers)[dlqHeaders.reason]);
  assert.deepEqual(
    reasons,
    bad.map(([reason]) => reason),
  );
  assert.equal(new Set(reasons).size, bad.length);
  for (const [i, m] of dead.entries()) {
    const h = headerStrings(m.headers);
    assert.equal(m.key?.toString(), bad[i]?.[0]);
    assert.deepEqual(m.value ?? Buffer.alloc(0), bad[i]?.[1], 'the original bytes');
    assert.equal(h[dlqHeaders.sourceTopic], topic);
    assert.equal(h[dlqHeaders.sourcePartition], '0');
    assert.equal(h[dlqHeaders.sourceOffset], String(i));
    assert.ok((h[dlqHeaders.error] ?? '').length > 0);
  }
  for (const [reason] of bad) {
    assert.equal(
      await counterValue(rt.metrics, 'backtrack_stream_dlq_records_total', { topic, reason }),
      1,
      reason,
    );
  }
  t.diagnostic(
    `DLQ test: ${Math.round(processMs)} ms runner start → good record; ${Math.round(performance.now() - t0)} ms total`,
  );
});
