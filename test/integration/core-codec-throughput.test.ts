import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Codec } from '../../services/core/codec.ts';
import { telemetryEvent, testRuntime, uniqueName } from './helpers.ts';
import { valueSubject } from '../../services/core/topic-bindings.ts';

const topic = uniqueName('telemetry');
const rt = testRuntime('codec-throughput', { telemetry: topic });
after(() => rt.codec.http.deleteSubject(valueSubject(topic)));

test('decoding hits the registry once per schema id, then runs from the cache at > 20 000 records/s', async (t) => {
  await rt.codec.registerSchemas(['telemetry']);
  const records = Array.from({ length: 1_000 }, (_, i) => rt.codec.encode('telemetry', telemetryEvent(i)));
  const consumer = new Codec({ ...rt.config.registry, bindings: rt.bindings });
  const n = 200_000;
  for (let i = 0; i < 20_000; i++) await consumer.decode('telemetry', records[i % records.length] ?? null);
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < n; i++)
    sum += (await consumer.decode('telemetry', records[i % records.length] ?? null)).latencyMs;
  const perSecond = n / ((performance.now() - t0) / 1000);
  const t1 = performance.now();
  for (let i = 0; i < n; i++) rt.codec.encode('telemetry', telemetryEvent(i % 1000));
  const encodePerSecond = n / ((performance.now() - t1) / 1000);
  t.diagnostic(
    `decode ${Math.round(perSecond)} records/s, encode ${Math.round(encodePerSecond)} records/s (TelemetryEvent)`,
  );
  assert.ok(sum > 0);
  assert.equal(consumer.registryLookups, 1);
  assert.ok(perSecond > 20_000, `decode rate ${Math.round(perSecond)}/s`);
});
