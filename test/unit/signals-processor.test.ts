import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Metrics } from '../../services/core/metrics.ts';
import { MockProcessorContext, testRecord } from '../../services/core/testing/mock-context.ts';
import { aggregationParamsOf } from '../../services/detect/replay/detect-stages.ts';
import { implausibleTelemetry } from '../../services/detect/replay/plausibility.ts';
import { RolloutDirectory } from '../../services/signals/rollout-directory.ts';
import { SignalsProcessor, TENANT_STORE } from '../../services/signals/signals-processor.ts';
import {
  BASELINE,
  CANDIDATE,
  demoPolicy,
  latencySpec,
  scenarioRecords,
  signalsHarness,
  startCommand,
  T0,
  telemetry,
} from './signals-fixtures.ts';

const policy = demoPolicy();
const SUB = policy.windows.subWindowMs;
const LATE = policy.windows.allowedLatenessMs;

async function counter(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

/** Ten stable and ten canary requests of `tenantId` in the sub-window starting at `start`. */
function traffic(tenantId: string, start: number, candidate: string, tag: string) {
  return Array.from({ length: 20 }, (_, i) =>
    telemetry(tenantId, start + i * 200, `${tag}-${tenantId}-${i}`, {
      arm: i % 2 === 0 ? 'stable' : 'canary',
      bundleId: i % 2 === 0 ? BASELINE : candidate,
      tenantTier: 'enterprise',
    }),
  );
}

const tick = (tenantId: string, timestamp: number, eventId: string) => ({
  type: 'telemetry' as const,
  event: telemetry(tenantId, timestamp, eventId, { tenantTier: 'enterprise' }),
});

describe('signals processor', () => {
  test('forwards one snapshot per (tenant, rollout) keyed by rolloutId once stream time passes a sub-window close', async () => {
    const spec = latencySpec({ factor: 1 });
    const h = await signalsHarness(policy, [startCommand(spec, 'ro-named')]);
    const events = [
      ...traffic('ten-a', T0, CANDIDATE, 'w0'),
      ...traffic('ten-b', T0, 'b-unregistered', 'w0'),
    ];
    await h.feed(events.map((event) => ({ type: 'telemetry', event })));
    assert.equal(h.snapshots().length, 0, 'the window is open until its end plus the allowed lateness');

    await h.feed([tick('ten-a', T0 + SUB + LATE, 'tick')]);
    const snaps = h.snapshots();
    assert.deepEqual(
      snaps.map((s) => [s.rolloutId, s.tenantId, s.windowEnd, s.candidate.requests, s.baseline.requests]),
      [
        ['ro-named', 'ten-a', T0 + SUB, 10, 10],
        ['auto-b-unregistered', 'ten-b', T0 + SUB, 10, 10],
      ],
    );
    assert.deepEqual(
      h.ctx.forwarded.map((f) => [f.topic, f.key]),
      [
        ['signals', 'ro-named'],
        ['signals', 'auto-b-unregistered'],
      ],
    );
    assert.equal(
      await counter(h.ctx.metrics, 'backtrack_signals_snapshots_total', { tier: 'enterprise' }),
      2,
    );
  });

  test('counts duplicates and late events by verdict and tier, and reports them in the next snapshot', async () => {
    const h = await signalsHarness(policy);
    const events = traffic('ten-a', T0, CANDIDATE, 'w0');
    await h.feed(events.map((event) => ({ type: 'telemetry', event })));
    await h.feed(events.slice(0, 3).map((event) => ({ type: 'telemetry', event: { ...event } })));
    await h.feed(traffic('ten-a', T0 + SUB, CANDIDATE, 'w1').map((event) => ({ type: 'telemetry', event })));
    await h.feed([tick('ten-a', T0 + 2 * SUB + LATE, 'tick')]);
    assert.equal(h.snapshots().length, 2, 'windows 0 and 1 closed');
    await h.feed([tick('ten-a', T0 + 100, 'too-late')]);
    await h.feed([tick('ten-a', T0 + 3 * SUB + LATE, 'tick-2')]);

    const m = h.ctx.metrics;
    const events_total = (verdict: string) =>
      counter(m, 'backtrack_signals_events_total', { kind: 'telemetry', verdict, tier: 'enterprise' });
    assert.equal(await events_total('duplicate'), 3);
    assert.equal(await events_total('late'), 1);
    assert.equal(await events_total('accepted'), 42);
    const last = h.snapshots().at(-1)!;
    assert.equal(last.windowEnd, T0 + 3 * SUB);
    assert.equal(last.candidate.requests, 20, 'duplicates are not counted twice');
    assert.deepEqual([last.duplicatesDropped, last.lateDropped], [3, 1]);
  });

  test('ignores an event stamped far in the future for stream time: windows keep closing on real time', async () => {
    const h = await signalsHarness(policy);
    await h.feed(traffic('ten-a', T0, CANDIDATE, 'w0').map((event) => ({ type: 'telemetry', event })));
    await h.feed([tick('ten-a', T0 + 86_400_000, 'skewed-clock')]);
    assert.equal(h.snapshots().length, 0, 'a future event closes nothing');
    await h.feed([tick('ten-a', T0 + SUB + LATE, 'tick')]);
    assert.equal(h.snapshots().length, 1);
    assert.equal(
      await counter(h.ctx.metrics, 'backtrack_signals_events_total', {
        kind: 'telemetry',
        verdict: 'future',
        tier: 'enterprise',
      }),
      1,
    );
  });

  test('a processor rebuilt over the flushed store resumes: open windows and closed ones as before', async () => {
    const h = await signalsHarness(policy);
    await h.feed(traffic('ten-a', T0, CANDIDATE, 'w0').map((event) => ({ type: 'telemetry', event })));
    await h.feed(traffic('ten-a', T0 + SUB, CANDIDATE, 'w1').map((event) => ({ type: 'telemetry', event })));
    await h.feed([tick('ten-a', T0 + SUB + LATE, 'tick')]);
    assert.equal(h.snapshots().length, 1);
    await h.processor.flush();
    h.processor.close();

    const ctx = new MockProcessorContext({ app: 'signals' });
    ctx.stores.set(TENANT_STORE, h.ctx.stores.get(TENANT_STORE)!);
    const directory = new RolloutDirectory();
    const restored = new SignalsProcessor({
      params: aggregationParamsOf(policy),
      tiers: ['enterprise'],
      rolloutIdFor: directory.rolloutIdFor,
    });
    await restored.init(ctx);
    assert.equal(restored.streamTime, T0 + SUB + LATE, 'stream time is rebuilt from the closed windows');
    await ctx.process(
      restored,
      testRecord(
        'telemetry',
        telemetry('ten-a', T0 + 10, 'late-after-restore', { tenantTier: 'enterprise' }),
        T0 + 10,
      ),
    );
    await ctx.process(
      restored,
      testRecord('telemetry', telemetry('ten-a', T0 + 2 * SUB + LATE, 'tick-2'), T0 + 2 * SUB + LATE),
    );
    const [snap] = ctx.forwardedTo('signals');
    assert.equal(snap?.windowEnd, T0 + 2 * SUB);
    assert.equal(
      snap?.candidate.requests,
      20,
      'both sub-windows, fed before the restore, are in the rolling window',
    );
    assert.equal(snap?.lateDropped, 1);
  });

  test('a scenario through the processor emits a snapshot per tenant and sub-window', async () => {
    const spec = latencySpec({ factor: 1, durationMs: 60_000, ratePerMin: 120 });
    const h = await signalsHarness(policy, [startCommand(spec)]);
    await h.feed(scenarioRecords(spec));
    const snaps = h.snapshots();
    const windows = new Set(snaps.map((s) => s.windowEnd));
    assert.ok(windows.size >= 10, `${windows.size} windows closed in a minute of 5-s sub-windows`);
    for (const w of windows)
      assert.equal(snaps.filter((s) => s.windowEnd === w).length, 6, `6 tenants at ${w}`);
    assert.ok(snaps.every((s) => s.rolloutId === 'ro-latency'));
  });
});

test('the validation the runner applies sends impossible measurements to the DLQ', () => {
  assert.match(implausibleTelemetry(telemetry('t', T0, 'e', { latencyMs: -1 })) ?? '', /latencyMs/);
  assert.match(implausibleTelemetry(telemetry('t', T0, 'e', { latencyMs: NaN })) ?? '', /latencyMs/);
  assert.match(implausibleTelemetry(telemetry('t', 42, 'e')) ?? '', /timestamp/);
  assert.equal(implausibleTelemetry(telemetry('t', T0, 'e')), undefined);
});
