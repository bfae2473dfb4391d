import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TelemetryEvent } from '../../schemas/types.ts';
import { counterValue, waitFor } from './helpers.ts';
import { Pipeline, routedBack } from './signals-pipeline.ts';
import {
  DEGRADED,
  demoPolicy,
  latencySpec,
  scenarioRecords,
  startCommand,
} from '../unit/signals-fixtures.ts';

const pipeline = new Pipeline('restart', demoPolicy());
after(() => pipeline.tearDown());

test('signals stopped mid-stream with its RocksDB deleted resumes from the changelog, and the regression is still routed back', async (t) => {
  const t0 = performance.now();
  await pipeline.setUp();
  const startEpochMs = Date.now() - 30 * 60_000 - (Date.now() % 60_000);
  const spec = latencySpec({ factor: 1.6, startEpochMs, durationMs: 180_000 });
  await pipeline.command(startCommand(spec));
  await pipeline.startTrigger();
  await pipeline.startSignals();

  // The regression starts at +60 s; the first half ends at +70 s, before any decision can be made.
  const boundary = startEpochMs + 70_000;
  const records = scenarioRecords(spec);
  const firstHalf = records.filter((r) => r.event.timestamp < boundary);
  await pipeline.produce(firstHalf);
  await pipeline.waitCaughtUp('signals', 'telemetry');
  await pipeline.waitCaughtUp('signals', 'evals');
  await pipeline.stopSignals();
  const tStopped = performance.now();
  const endsAtStop = await pipeline.signalsEnds();
  const snapshotsBefore = pipeline.snapshots.length;
  assert.ok(snapshotsBefore > 0, 'windows closed before the stop');
  pipeline.deleteSignalsState();
  assert.equal(existsSync(join(pipeline.signalsRt.stateDir, 'signals')), false);

  await pipeline.startSignals();
  const tRestarted = performance.now();
  await pipeline.produce(records.filter((r) => r.event.timestamp >= boundary));
  await waitFor(
    () => routedBack(pipeline.decisions).length >= DEGRADED.length,
    'route_back of every degraded tenant',
    40_000,
  );
  const tDetected = performance.now();
  await pipeline.waitCaughtUp('signals', 'telemetry');
  const restored = await counterValue(pipeline.signalsRt.metrics, 'backtrack_stream_restored_records_total', {
    store: 'tenant-windows',
  });
  assert.ok(restored >= 6, `${restored} tenant states replayed from the changelog`);

  const decisions = pipeline.decisions.map((d) => d.value);
  assert.deepEqual(routedBack(pipeline.decisions), DEGRADED);
  assert.ok(
    decisions.every((d) => d.decidedAt > boundary),
    'decided on windows closed after the restart',
  );

  const snapshots = pipeline.snapshots.map((s) => s.value);
  assert.equal(new Set(snapshots.map((s) => s.snapshotId)).size, snapshots.length, 'no window emitted twice');
  const afterRestart = pipeline.snapshots
    .filter((s) => s.offset >= (endsAtStop.get(s.partition) ?? 0n))
    .map((s) => s.value);
  const telemetry = records
    .filter((r): r is { type: 'telemetry'; event: TelemetryEvent } => r.type === 'telemetry')
    .map((r) => r.event);
  for (const tenant of DEGRADED) {
    const windows = snapshots
      .filter((s) => s.tenantId === tenant)
      .map((s) => s.windowEnd)
      .sort((a, b) => a - b);
    assert.ok(
      windows.every((w, i) => i === 0 || w - windows[i - 1]! === pipeline.policy.windows.subWindowMs),
      `${tenant}: no window lost across the restart`,
    );
    const first = afterRestart
      .filter((s) => s.tenantId === tenant)
      .sort((a, b) => a.windowEnd - b.windowEnd)[0]!;
    const inWindow = telemetry.filter(
      (e) =>
        e.tenantId === tenant &&
        e.arm === 'canary' &&
        e.timestamp >= first.windowStart &&
        e.timestamp < first.windowEnd,
    );
    const fromBefore = inWindow.filter((e) => e.timestamp < boundary).length;
    assert.ok(
      fromBefore > 100,
      `${tenant}: ${fromBefore} of its canary requests in the first window after the restart came before it`,
    );
    assert.equal(
      first.candidate.requests,
      inWindow.length,
      `${tenant}: the restored state counted every one of them`,
    );
  }
  t.diagnostic(
    `first half ${firstHalf.length} records, ${snapshotsBefore} snapshots before the stop; ` +
      `set-up + first half ${Math.round(tStopped - t0)} ms, restart ${Math.round(tRestarted - tStopped)} ms (restored ${restored} changelog records), ` +
      `all degraded routed back ${Math.round(tDetected - tRestarted)} ms after the restart`,
  );
});
