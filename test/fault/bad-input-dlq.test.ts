/**
 * A mixed stream of good and bad telemetry through the real signals service on the real broker: every
 * bad record lands on the dead-letter topic with its reason header and is counted in the DLQ metric;
 * every good record around it is processed and the offsets move past all of them.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterTopic } from '../../topology/topics.ts';
import { dlqHeaders, headerStrings } from '../../services/core/dead-letter.ts';
import * as k from '../../services/core/kafka.ts';
import type { Metrics } from '../../services/core/metrics.ts';
import type { TelemetryEvent } from '../../schemas/types.ts';
import { readTopic, waitFor } from '../integration/helpers.ts';
import { Pipeline } from '../integration/signals-pipeline.ts';
import { demoPolicy, latencySpec, scenarioRecords, startCommand } from '../unit/signals-fixtures.ts';
import { recordResult } from './fault-report.ts';

const pipeline = new Pipeline('fault-dlq', demoPolicy());
after(() => pipeline.tearDown());

/** Sum of a counter whose name ends with `suffix` (the runtime's metric names carry a prefix), by label. */
async function counterBy(metrics: Metrics, suffix: string, label: string): Promise<Map<string, number>> {
  const all = await metrics.registry.getMetricsAsJSON();
  const m = all.find((x) => x.name.endsWith(suffix));
  const out = new Map<string, number>();
  for (const v of m?.values ?? []) {
    const key = String(v.labels[label]);
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}

test('bad records of every kind go to the DLQ with their reason, counted, and the good ones around them are processed', async (t) => {
  await pipeline.setUp();
  const codec = pipeline.signalsRt.codec;
  const startEpochMs = Date.now() - 30 * 60_000 - (Date.now() % 60_000);
  const spec = latencySpec({ factor: 1, startEpochMs, durationMs: 150_000 });
  await pipeline.command(startCommand(spec));
  await codec.registerSchemas(['telemetry', 'evals']);
  const good = scenarioRecords(spec).flatMap((r) => (r.type === 'telemetry' ? [r.event] : []));
  const sample = good[0] as TelemetryEvent;
  const encoded = codec.encode('telemetry', sample);
  const unknownId = Buffer.from(encoded);
  unknownId.writeInt32BE(0x7ffffff0, 1);
  const invalid = (o: Partial<TelemetryEvent>): Buffer => codec.encode('telemetry', { ...sample, ...o });
  const evalBytes = codec.encode('evals', {
    evalId: 'e-1',
    timestamp: sample.timestamp,
    tenantId: sample.tenantId,
    requestEventId: sample.eventId,
    bundleId: sample.bundleId,
    baselineBundleId: sample.bundleId,
    arm: 'canary',
    judgeScore: 0.5,
    semanticSimilarity: null,
    evaluator: 'judge',
  });
  const bad: Array<[string, string, Buffer | null]> = [
    ['empty', 'null value', null],
    ['empty', 'zero bytes', Buffer.alloc(0)],
    ['bad-magic-byte', 'magic 7', Buffer.concat([Buffer.from([7]), encoded.subarray(1)])],
    ['truncated', 'header only', encoded.subarray(0, 3)],
    ['truncated', 'half a record', encoded.subarray(0, Math.floor(encoded.length / 2))],
    ['corrupt', 'trailing bytes', Buffer.concat([encoded, Buffer.from([9, 9])])],
    ['unknown-schema-id', 'id 0x7ffffff0', unknownId],
    ['wrong-schema', 'an eval on the telemetry topic', evalBytes],
    ['invalid', 'NaN latency', invalid({ latencyMs: Number.NaN })],
    ['invalid', '-1 latency', invalid({ latencyMs: -1 })],
    ['invalid', '1e308 latency', invalid({ latencyMs: 1e308 })],
    ['invalid', 'timestamp in 1970', invalid({ timestamp: 86_400_000 })],
    ['invalid', 'empty tenant id', invalid({ tenantId: '' })],
    ['invalid', '10 KB tenant id', invalid({ tenantId: 't'.repeat(10_240) })],
    ['invalid', '512 KB event id', invalid({ eventId: 'e'.repeat(512 * 1024) })],
  ];
  // Each bad record sits between good ones of the same tenant (same key, same partition).
  const messages: k.Message[] = [];
  const every = Math.floor(good.length / (bad.length + 1));
  good.forEach((e, i) => {
    messages.push({ key: e.tenantId, value: codec.encode('telemetry', e), timestamp: String(e.timestamp) });
    const b = i % every === every - 1 ? bad[Math.floor(i / every)] : undefined;
    if (b !== undefined)
      messages.push({
        key: e.tenantId,
        value: b[2],
        timestamp: String(e.timestamp),
        headers: { 'fault-case': b[1], 'fault-expect': b[0] },
      });
  });
  const producer = k.createIdempotentProducer(pipeline.signalsRt.kafka);
  await producer.connect();
  for (let i = 0; i < messages.length; i += 500)
    await producer.send({ topic: pipeline.names.telemetry, messages: messages.slice(i, i + 500) });
  await producer.disconnect();

  const t0 = performance.now();
  await pipeline.startSignals();
  await pipeline.waitCaughtUp('signals', 'telemetry', 60_000);
  const drainMs = performance.now() - t0;

  const dlq = await readTopic(
    pipeline.signalsRt.kafka,
    deadLetterTopic(pipeline.names.telemetry),
    bad.length,
  );
  assert.equal(dlq.length, bad.length);
  const got = dlq.map((m) => headerStrings(m.headers)).map((h) => [h['fault-case'], h[dlqHeaders.reason]]);
  const want = bad.map(([reason, name]) => [name, reason]);
  const byName = (a: (string | undefined)[], b: (string | undefined)[]) =>
    String(a[0]).localeCompare(String(b[0]));
  assert.deepEqual(got.sort(byName), want.sort(byName));
  for (const m of dlq) {
    const h = headerStrings(m.headers);
    assert.equal(h[dlqHeaders.sourceTopic], pipeline.names.telemetry);
    assert.ok((h[dlqHeaders.error] ?? '').length > 0);
  }

  const metrics = pipeline.signalsRt.metrics;
  const dlqCounts = await counterBy(metrics, 'dlq_records_total', 'reason');
  const expected = new Map<string, number>();
  for (const [reason] of bad) expected.set(reason, (expected.get(reason) ?? 0) + 1);
  assert.deepEqual(new Map([...dlqCounts].sort()), new Map([...expected].sort()));
  const consumed = await counterBy(metrics, 'records_consumed_total', 'topic');
  assert.equal(consumed.get(pipeline.names.telemetry), good.length);
  await waitFor(() => pipeline.snapshots.length > 0, 'signal snapshots from the good records', 30_000);

  recordResult('signals on the broker: mixed good and bad telemetry', {
    good: good.length,
    bad: bad.length,
    deadLettered: dlq.length,
    processed: consumed.get(pipeline.names.telemetry),
    reasons: Object.fromEntries(dlqCounts),
    drainMs: Math.round(drainMs),
  });
  t.diagnostic(`${good.length} good + ${bad.length} bad drained in ${Math.round(drainMs)} ms`);
});
