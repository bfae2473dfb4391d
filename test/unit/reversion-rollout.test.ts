import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  absorbRoutingCommand,
  applyDecision,
  applyRolloutCommand,
  createReversionState,
  routedBundleOf,
  verifyChain,
  type ReversionState,
} from '../../services/reversion/core/index.ts';
import { command, ctxOf, decision, startCommand, tenants, world, type World } from './reversion-fixtures.ts';

function started(w: World, partial = {}): ReversionState {
  const state = createReversionState();
  const out = applyRolloutCommand(state, startCommand(w, partial), ctxOf(w));
  assert.equal(out.commands.length, tenants.length);
  return state;
}

describe('start', () => {
  test('canary: every tenant gets epoch 1 with whole bundles, baseline stable, candidate at the percent', () => {
    const w = world();
    const state = createReversionState();
    const out = applyRolloutCommand(state, startCommand(w), ctxOf(w));
    assert.deepEqual(
      out.commands.map((c) => c.commandId),
      tenants.map((t) => `${t.tenantId}:1`),
    );
    for (const c of out.commands) {
      assert.deepEqual(c.stable, routedBundleOf(w.baseline));
      assert.deepEqual(c.candidate, routedBundleOf(w.candidate));
      assert.equal(c.candidateArm, 'canary');
      assert.equal(c.candidatePercent, 10);
      assert.equal(c.sessionPolicy, 'none');
      assert.equal(c.rolloutId, 'r1');
    }
    assert.deepEqual(
      out.audit.map((e) => e.kind),
      ['rollout_command', ...tenants.map(() => 'routing_command')],
    );
    assert.deepEqual(verifyChain(out.audit), { ok: true });
    assert.equal(state.rollouts.get('r1')?.status, 'running');
  });

  test('shadow mirrors 100 % by default on the shadow arm; blue_green serves 100 % with the baseline as fallback', () => {
    const w = world();
    const shadow = applyRolloutCommand(
      createReversionState(),
      startCommand(w, { strategy: 'shadow', canaryPercent: null }),
      ctxOf(w),
    );
    assert.ok(shadow.commands.every((c) => c.candidateArm === 'shadow' && c.candidatePercent === 100));
    const bg = applyRolloutCommand(
      createReversionState(),
      startCommand(w, { strategy: 'blue_green', canaryPercent: null }),
      ctxOf(w),
    );
    assert.ok(
      bg.commands.every(
        (c) =>
          c.candidateArm === 'canary' &&
          c.candidatePercent === 100 &&
          c.stable.bundleId === w.baseline.bundleId,
      ),
    );
  });

  test('is refused (audit + notification, nothing routed) for an unknown bundle, an unsupported tier or a missing percent', () => {
    const w = world();
    const cases = [
      startCommand(w, { candidateBundleId: 'b-ffffffffffffffff' }),
      startCommand(w, { candidateBundleId: w.baselineNoEnterprise.bundleId }),
      startCommand(w, { canaryPercent: null }),
      startCommand(w, { canaryPercent: 150 }),
      startCommand(w, { tenants: [] }),
    ];
    for (const cmd of cases) {
      const state = createReversionState();
      const out = applyRolloutCommand(state, cmd, ctxOf(w));
      assert.equal(out.commands.length, 0);
      assert.deepEqual(
        out.audit.map((e) => e.kind),
        ['refused'],
      );
      assert.equal(out.notifications[0]?.kind, 'refused');
      assert.equal(state.rollouts.size, 0);
    }
  });

  test('a retried command id is applied once', () => {
    const w = world();
    const state = started(w);
    const again = applyRolloutCommand(state, startCommand(w), ctxOf(w));
    assert.equal(again.commands.length, 0);
    assert.match(again.audit[0]?.details ?? '', /duplicate_ignored/);
  });

  test('refuses a tenant already on another live rollout, or whose stable bundle is not the baseline', () => {
    const w = world();
    const state = started(w);
    const other = applyRolloutCommand(
      state,
      startCommand(w, { rolloutId: 'r2', commandId: 'c2', tenants: [tenants[0]!] }),
      ctxOf(w),
    );
    assert.equal(other.commands.length, 0);
    assert.match(other.audit[0]?.details ?? '', /on the candidate of rollout r1/);
    applyRolloutCommand(state, command({ commandId: 'c-promote', action: 'promote' }), ctxOf(w));
    const stale = applyRolloutCommand(
      state,
      startCommand(w, { rolloutId: 'r3', commandId: 'c3', tenants: [tenants[0]!] }),
      ctxOf(w),
    );
    assert.match(stale.audit[0]?.details ?? '', /not the baseline/);
    const next = applyRolloutCommand(
      state,
      startCommand(w, {
        rolloutId: 'r4',
        commandId: 'c4',
        tenants: [tenants[0]!],
        baselineBundleId: w.candidate.bundleId,
        candidateBundleId: w.candidateV4.bundleId,
      }),
      ctxOf(w),
    );
    assert.deepEqual(
      next.commands.map((c) => [c.commandId, c.stable.bundleId]),
      [['t-ent-1:3', w.candidate.bundleId]],
    );
  });
});

describe('advance', () => {
  test('a new percent re-routes every tenant still on the candidate, new tenants are onboarded', () => {
    const w = world();
    const state = started(w);
    applyDecision(
      state,
      decision({ decisionId: 'd1', action: 'route_back', tenantIds: ['t-free-1'] }),
      ctxOf(w),
    );
    const out = applyRolloutCommand(
      state,
      command({
        commandId: 'c-adv',
        action: 'advance',
        canaryPercent: 50,
        tenants: [{ tenantId: 't-new', tenantTier: 'pro' }],
      }),
      ctxOf(w),
    );
    assert.deepEqual(
      out.commands.map((c) => c.commandId),
      ['t-ent-1:2', 't-ent-2:2', 't-pro-1:2', 't-new:1'],
    );
    assert.ok(out.commands.every((c) => c.candidatePercent === 50));
  });

  test('new tenants are refused while onboarding is paused; a percent change alone is not', () => {
    const w = world();
    const state = started(w);
    applyDecision(state, decision({ decisionId: 'd-pause', action: 'pause_onboarding' }), ctxOf(w));
    const refused = applyRolloutCommand(
      state,
      command({ commandId: 'c-a1', action: 'advance', tenants: [{ tenantId: 't-new', tenantTier: 'pro' }] }),
      ctxOf(w),
    );
    assert.equal(refused.commands.length, 0);
    assert.equal(refused.audit[0]?.kind, 'refused');
    assert.match(refused.audit[0]?.details ?? '', /onboarding is paused/);
    const percent = applyRolloutCommand(
      state,
      command({ commandId: 'c-a2', action: 'advance', canaryPercent: 20 }),
      ctxOf(w),
    );
    assert.equal(percent.commands.length, tenants.length);
  });

  test('pause blocks advance until resume, which also lifts an onboarding pause', () => {
    const w = world();
    const state = started(w);
    applyDecision(state, decision({ decisionId: 'd-pause', action: 'pause_onboarding' }), ctxOf(w));
    applyRolloutCommand(state, command({ commandId: 'c-p', action: 'pause' }), ctxOf(w));
    const blocked = applyRolloutCommand(
      state,
      command({ commandId: 'c-a1', action: 'advance', canaryPercent: 30 }),
      ctxOf(w),
    );
    assert.equal(blocked.commands.length, 0);
    assert.match(blocked.audit[0]?.details ?? '', /rollout is paused/);
    applyRolloutCommand(state, command({ commandId: 'c-r', action: 'resume' }), ctxOf(w));
    assert.equal(state.rollouts.get('r1')?.onboardingPaused, false);
    const ok = applyRolloutCommand(
      state,
      command({ commandId: 'c-a2', action: 'advance', tenants: [{ tenantId: 't-new', tenantTier: 'free' }] }),
      ctxOf(w),
    );
    assert.deepEqual(
      ok.commands.map((c) => c.commandId),
      ['t-new:1'],
    );
  });
});

describe('promote and abort', () => {
  test('promote makes the candidate stable for tenants on it, draining sessions; tenants routed back stay back', () => {
    const w = world();
    const state = started(w);
    applyDecision(
      state,
      decision({ decisionId: 'd1', action: 'route_back', tenantIds: ['t-pro-1'] }),
      ctxOf(w),
    );
    const out = applyRolloutCommand(state, command({ commandId: 'c-promote', action: 'promote' }), ctxOf(w));
    assert.deepEqual(
      out.commands.map((c) => c.tenantId),
      ['t-ent-1', 't-ent-2', 't-free-1'],
    );
    for (const c of out.commands) {
      assert.deepEqual(c.stable, routedBundleOf(w.candidate));
      assert.equal(c.candidate, null);
      assert.equal(c.sessionPolicy, 'drain');
    }
    assert.equal(state.rollouts.get('r1')?.status, 'promoted');
    assert.equal(state.tenants.get('t-pro-1')?.stableBundleId, w.baseline.bundleId);
  });

  test('abort routes every tenant back to the baseline in one step, with the tier session policy', () => {
    const w = world();
    const state = started(w);
    const out = applyRolloutCommand(
      state,
      command({ commandId: 'c-abort', action: 'abort', reason: 'bad vibes' }),
      ctxOf(w, undefined, { sessionPolicyByTier: { enterprise: 'reset_with_notice' } }),
    );
    assert.equal(out.commands.length, tenants.length);
    for (const c of out.commands) {
      assert.deepEqual(c.stable, routedBundleOf(w.baseline));
      assert.equal(c.candidate, null);
      assert.equal(c.candidatePercent, 0);
      assert.equal(c.sessionPolicy, c.tenantTier === 'enterprise' ? 'reset_with_notice' : 'drain');
    }
    assert.equal(state.rollouts.get('r1')?.status, 'aborted');
    assert.equal(out.notifications[0]?.kind, 'rollout_aborted');
    const again = applyRolloutCommand(state, command({ commandId: 'c-abort-2', action: 'abort' }), ctxOf(w));
    assert.equal(again.commands.length, 0);
    assert.equal(again.audit[0]?.kind, 'refused');
  });

  test('commands on an unknown rollout are refused', () => {
    const w = world();
    const out = applyRolloutCommand(
      createReversionState(),
      command({ commandId: 'c-x', action: 'promote', rolloutId: 'nope' }),
      ctxOf(w),
    );
    assert.equal(out.audit[0]?.kind, 'refused');
    assert.equal(out.audit[0]?.rolloutId, 'nope');
    assert.equal(out.commands.length, 0);
  });
});

describe('routing table read back', () => {
  test('another instance continues epochs from the table and refuses tenants on a rollout it does not know', () => {
    const w = world();
    const owner = createReversionState();
    const started1 = applyRolloutCommand(owner, startCommand(w), ctxOf(w));
    const other = createReversionState();
    for (const c of started1.commands) assert.equal(absorbRoutingCommand(other, c), true);
    assert.equal(absorbRoutingCommand(other, started1.commands[0]!), false);
    const busy = applyRolloutCommand(
      other,
      startCommand(w, { rolloutId: 'r2', commandId: 'c2', candidateBundleId: w.candidateV4.bundleId }),
      ctxOf(w),
    );
    assert.equal(busy.commands.length, 0);
    assert.match(busy.audit[0]?.details ?? '', /on the candidate of rollout r1/);
    const promoted = applyRolloutCommand(
      owner,
      command({ commandId: 'c-promote', action: 'promote' }),
      ctxOf(w),
    );
    for (const c of promoted.commands) absorbRoutingCommand(other, c);
    const next = applyRolloutCommand(
      other,
      startCommand(w, {
        rolloutId: 'r2',
        commandId: 'c3',
        baselineBundleId: w.candidate.bundleId,
        candidateBundleId: w.candidateV4.bundleId,
      }),
      ctxOf(w),
    );
    assert.deepEqual(
      next.commands.map((c) => c.epoch),
      tenants.map(() => 3),
    );
  });
});
