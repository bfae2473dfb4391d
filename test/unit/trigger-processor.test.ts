import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RollbackDecision, RolloutCommand, SignalSnapshot } from '../../schemas/types.ts';
import type { Metrics } from '../../services/core/metrics.ts';
import { MockProcessorContext, testRecord } from '../../services/core/testing/mock-context.ts';
import { createReplaySession } from '../../services/detect/replay/index.ts';
import { ROLLOUT_STORE, TriggerProcessor } from '../../services/trigger/trigger-processor.ts';
import { generateScenario } from '../scenarios/generator.ts';
import {
  BENIGN,
  DEGRADED,
  ROLLOUT,
  demoPolicy,
  latencySpec,
  scenarioRecords,
  signalsHarness,
  startCommand,
} from './signals-fixtures.ts';

const policy = demoPolicy();

async function counter(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

/** The snapshots signals emits for a latency scenario (one partition, in order). */
async function snapshotsOf(factor: number): Promise<{ snapshots: SignalSnapshot[]; start: RolloutCommand }> {
  const spec = latencySpec({ factor });
  const start = startCommand(spec);
  const h = await signalsHarness(policy, [start]);
  await h.feed(scenarioRecords(spec));
  return { snapshots: h.snapshots(), start };
}

async function triggerHarness(ctx = new MockProcessorContext({ app: 'trigger', stores: [ROLLOUT_STORE] })) {
  const processor = new TriggerProcessor({ policy });
  await processor.init(ctx);
  const command = (c: RolloutCommand) =>
    ctx.process(processor, testRecord('rollouts', c, c.issuedAt, { key: c.rolloutId }));
  const snapshot = (s: SignalSnapshot) =>
    ctx.process(processor, testRecord('signals', s, s.windowEnd, { key: s.rolloutId }));
  let wallMs = 0;
  /** Moves the wall clock on by `ms` (the first check after an arrival starts the window's hold). */
  const tick = (ms = 1_000) => ctx.advanceWallClock((wallMs += ms));
  /** Two checks 3 s apart: every window pending now is held long enough and decided. */
  const settle = async () => {
    await tick();
    await tick(3_000);
  };
  return {
    ctx,
    processor,
    command,
    snapshot,
    tick,
    settle,
    decisions: (): RollbackDecision[] => ctx.forwardedTo('decisions'),
  };
}

const routedBack = (ds: readonly RollbackDecision[]) =>
  [...new Set(ds.filter((d) => d.action === 'route_back').flatMap((d) => d.tenantIds))].sort();

describe('trigger processor', () => {
  test('routes back the tenants whose canary p95 doubled, not the benign ones', async () => {
    const { snapshots, start } = await snapshotsOf(2);
    const t = await triggerHarness();
    await t.command(start);
    for (const s of snapshots) await t.snapshot(s);
    await t.settle();
    const decisions = t.decisions();
    assert.deepEqual(routedBack(decisions), DEGRADED);
    assert.ok(
      decisions.every((d) => d.rolloutId === ROLLOUT && d.tenantIds.every((id) => !BENIGN.includes(id))),
    );
    assert.ok(decisions.some((d) => d.action === 'route_back' && d.mode === 'automatic'));
    assert.deepEqual(
      t.ctx.forwarded.filter((f) => f.topic === 'decisions').map((f) => f.key),
      decisions.map((d) => d.rolloutId),
      'keyed by rolloutId',
    );
    const scores = t.ctx.forwardedTo('scores');
    assert.ok(
      scores.length > 0.9 * snapshots.length,
      `${scores.length} scores for ${snapshots.length} snapshots`,
    );
    const automatic = decisions.filter((d) => d.action === 'route_back' && d.mode === 'automatic').length;
    assert.equal(
      await counter(t.ctx.metrics, 'backtrack_trigger_decisions_total', {
        action: 'route_back',
        mode: 'automatic',
      }),
      automatic,
    );
  });

  test('decides nothing for a benign canary', async () => {
    const { snapshots, start } = await snapshotsOf(1);
    const t = await triggerHarness();
    await t.command(start);
    for (const s of snapshots) await t.snapshot(s);
    await t.settle();
    assert.deepEqual(t.decisions(), []);
    assert.ok(t.ctx.forwardedTo('scores').length > 0);
  });

  test('decides as replay does on the same input, window for window', async () => {
    const spec = latencySpec({ factor: 1.6 });
    spec.canary.rolloutId = ROLLOUT;
    const replay = createReplaySession({ policy });
    const expected: RollbackDecision[] = [];
    for (const r of generateScenario(spec)) expected.push(...replay.push(r));
    const { snapshots, start } = await snapshotsOf(1.6);
    const t = await triggerHarness();
    await t.command(start);
    for (const s of snapshots) await t.snapshot(s);
    await t.settle();
    const lastWindow = Math.max(...snapshots.map((s) => s.windowEnd));
    const before = (ds: RollbackDecision[]) => ds.filter((d) => d.decidedAt < lastWindow);
    assert.ok(before(expected).length >= 3);
    assert.deepEqual(before(t.decisions()), before(expected));
  });

  test('decides a window on the snapshot that completes it, without waiting for the clock', async () => {
    const { snapshots, start } = await snapshotsOf(1.6);
    const [w0, w1] = [...new Set(snapshots.map((s) => s.windowEnd))];
    const first = snapshots.filter((s) => s.windowEnd === w0);
    const second = snapshots.filter((s) => s.windowEnd === w1);
    assert.equal(first.length, start.tenants.length, 'every named tenant delivers window 0');
    const t = await triggerHarness();
    await t.command(start);
    for (const s of first.slice(0, -1)) await t.snapshot(s);
    assert.equal(t.ctx.forwardedTo('scores').length, 0, 'window 0 waits for its last named tenant');
    await t.snapshot(first.at(-1)!);
    assert.deepEqual(
      t.ctx.forwardedTo('scores').map((s) => [s.windowEnd, s.tenantId]),
      first.map((s) => [w0, s.tenantId]).sort(),
      'window 0 decided on its last snapshot, in tenant order',
    );
    for (const s of second) await t.snapshot(s);
    assert.equal(t.ctx.forwardedTo('scores').length, first.length + second.length, 'window 1 too');
  });

  test('decides a window a quiet tenant holds up after holdMs; that tenant is then no longer awaited', async () => {
    const { snapshots, start } = await snapshotsOf(1.6);
    const [w0, w1, w2] = [...new Set(snapshots.map((s) => s.windowEnd))];
    const of = (w: number | undefined) => snapshots.filter((s) => s.windowEnd === w);
    const quiet = of(w1).at(-1)!;
    const t = await triggerHarness();
    await t.command(start);
    for (const s of of(w0)) await t.snapshot(s);
    for (const s of of(w1).slice(0, -1)) await t.snapshot(s);
    const scored = () => t.ctx.forwardedTo('scores').length;
    assert.equal(scored(), of(w0).length, `window 1 waits for ${quiet.tenantId}`);
    await t.tick(); // wall 1 000: window 1 seen
    await t.tick(2_000); // 3 000: held 2 s
    assert.equal(scored(), of(w0).length, 'still held');
    await t.tick(1_000); // 4 000: held 3 s
    assert.equal(scored(), of(w0).length + of(w1).length - 1, 'window 1 decided without the quiet tenant');
    for (const s of of(w2).filter((x) => x.tenantId !== quiet.tenantId)) await t.snapshot(s);
    assert.equal(scored(), of(w0).length + 2 * of(w1).length - 2, 'window 2 does not wait for it');
    await t.snapshot(quiet);
    assert.equal(scored(), of(w0).length + 2 * of(w1).length - 1, 'its late snapshot is still scored');
  });

  test("a tenant's end-of-traffic marker completes the window at once; it is not awaited after it", async () => {
    const { snapshots, start } = await snapshotsOf(1.6);
    const windows = snapshots.filter((s) => !s.candidateTrafficEnded);
    const [w0, w1, w2] = [...new Set(windows.map((s) => s.windowEnd))];
    const of = (w: number | undefined) => windows.filter((s) => s.windowEnd === w);
    const quiet = of(w1).at(-1)!;
    const t = await triggerHarness();
    await t.command(start);
    for (const s of of(w0)) await t.snapshot(s);
    for (const s of of(w1).slice(0, -1)) await t.snapshot(s);
    const scored = () => t.ctx.forwardedTo('scores').length;
    assert.equal(scored(), of(w0).length, `window 1 waits for ${quiet.tenantId}`);
    await t.snapshot({ ...quiet, candidateTrafficEnded: true });
    assert.equal(scored(), of(w0).length + of(w1).length - 1, 'window 1 decided on the marker, no clock');
    for (const s of of(w2).filter((x) => x.tenantId !== quiet.tenantId)) await t.snapshot(s);
    assert.equal(scored(), of(w0).length + 2 * of(w1).length - 2, 'window 2 does not wait for it');
    assert.equal(await counter(t.ctx.metrics, 'backtrack_trigger_snapshots_total', { arrival: 'ended' }), 1);
  });

  test('snapshots held before a restore are decided after it; a late one is still scored', async () => {
    const { snapshots, start } = await snapshotsOf(1.6);
    const [w0, w1] = [...new Set(snapshots.map((s) => s.windowEnd))];
    const first = snapshots.filter((s) => s.windowEnd === w0);
    const second = snapshots.filter((s) => s.windowEnd === w1);
    const t = await triggerHarness();
    await t.command(start);
    for (const s of first.slice(1)) await t.snapshot(s);
    await t.tick();
    assert.equal(t.ctx.forwardedTo('scores').length, 0, 'window 0 is held');
    await t.processor.flush();

    const ctx = new MockProcessorContext({ app: 'trigger' });
    ctx.stores.set(ROLLOUT_STORE, t.ctx.stores.get(ROLLOUT_STORE)!);
    const restored = await triggerHarness(ctx);
    for (const s of second) await restored.snapshot(s);
    await restored.settle();
    const scores = ctx.forwardedTo('scores');
    assert.deepEqual(
      scores.filter((s) => s.windowEnd === w0).map((s) => s.tenantId),
      first
        .slice(1)
        .map((s) => s.tenantId)
        .sort(),
      'window 0, held before the restore, is decided after it',
    );
    assert.equal(scores.length, first.length - 1 + second.length);
    await restored.snapshot(first[0]!);
    assert.equal(ctx.forwardedTo('scores').length, scores.length + 1, 'a late snapshot is still scored');
    assert.equal(await counter(ctx.metrics, 'backtrack_trigger_snapshots_total', { arrival: 'late' }), 1);
  });
});
