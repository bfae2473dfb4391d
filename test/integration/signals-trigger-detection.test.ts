import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './helpers.ts';
import { Pipeline, routedBack } from './signals-pipeline.ts';
import {
  BENIGN,
  DEGRADED,
  ROLLOUT,
  demoPolicy,
  latencySpec,
  scenarioRecords,
  startCommand,
  telemetry,
} from '../unit/signals-fixtures.ts';

const pipeline = new Pipeline('detect', demoPolicy());
after(() => pipeline.tearDown());

test('routes back the tenants whose canary p95 doubled, and no benign tenant (signals + trigger on the broker)', async (t) => {
  const t0 = performance.now();
  await pipeline.setUp();
  const startEpochMs = Date.now() - 30 * 60_000 - (Date.now() % 60_000);
  const spec = latencySpec({ factor: 2, startEpochMs, durationMs: 180_000 });
  const start = startCommand(spec);
  await pipeline.command(start);
  await pipeline.startTrigger();
  await pipeline.startSignals();
  const tStarted = performance.now();

  const records = scenarioRecords(spec);
  await pipeline.produce(records);
  const bad = telemetry('pro-1', startEpochMs + 1_000, 'negative-latency', { latencyMs: -5 });
  await pipeline.produce([{ type: 'telemetry', event: bad }]);
  const tProduced = performance.now();

  await waitFor(
    () => routedBack(pipeline.decisions).length >= DEGRADED.length,
    'route_back of every degraded tenant',
    45_000,
  );
  const tDetected = performance.now();
  await pipeline.waitCaughtUp('signals', 'telemetry');
  await pipeline.waitCaughtUp('signals', 'evals');
  await pipeline.waitCaughtUp('trigger', 'signals');

  const decisions = pipeline.decisions.map((d) => d.value);
  assert.deepEqual(routedBack(pipeline.decisions), DEGRADED);
  for (const d of decisions) {
    assert.equal(d.rolloutId, ROLLOUT, 'the rollout of the start command, not an auto id');
    assert.deepEqual(
      d.tenantIds.filter((id) => BENIGN.includes(id)),
      [],
      `${d.action} names no benign tenant`,
    );
  }
  assert.ok(
    decisions.some((d) => d.action === 'route_back' && d.mode === 'automatic'),
    'a clear breach acts automatically',
  );
  assert.equal(new Set(decisions.map((d) => d.decisionId)).size, decisions.length, 'no decision twice');

  const benignScores = pipeline.scores.filter((s) => BENIGN.includes(s.value.tenantId)).map((s) => s.value);
  assert.ok(benignScores.length > 50, `${benignScores.length} scores of benign tenants`);
  assert.ok(benignScores.every((s) => s.verdict !== 'degraded'));
  assert.equal(await pipeline.readDeadLetters('telemetry'), 1, 'the negative latency went to the DLQ');

  const firstRouteBack = Math.min(
    ...decisions.filter((d) => d.action === 'route_back').map((d) => d.decidedAt),
  );
  t.diagnostic(
    `${records.length} records over ${spec.durationMs / 1000} s of event time; ` +
      `set-up ${Math.round(tStarted - t0)} ms, produce ${Math.round(tProduced - tStarted)} ms, ` +
      `all degraded routed back ${Math.round(tDetected - tProduced)} ms after the last record; ` +
      `first route_back at +${(firstRouteBack - startEpochMs) / 1000} s event time; ` +
      `${pipeline.snapshots.length} snapshots, ${pipeline.scores.length} scores, ${decisions.length} decisions`,
  );
});
