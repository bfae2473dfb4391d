import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Bundle } from '../../schemas/types.ts';
import {
  applyApproval,
  applyDecision,
  applyRolloutCommand,
  createReversionState,
  routedBundleOf,
  tick,
  type ReversionState,
} from '../../services/reversion/core/index.ts';
import {
  approval,
  command,
  ctxOf,
  decision,
  startCommand,
  T0,
  tenants,
  world,
  type World,
} from './reversion-fixtures.ts';

function started(w: World, partial = {}): ReversionState {
  const state = createReversionState();
  applyRolloutCommand(state, startCommand(w, partial), ctxOf(w));
  return state;
}

const pending = (id: string, extra = {}) =>
  decision({
    decisionId: id,
    action: 'route_back',
    mode: 'needs_approval',
    tenantIds: tenants.map((t) => t.tenantId),
    ...extra,
  });

describe('automatic decisions', () => {
  test('route_back sends only the named tenants to the whole baseline bundle, draining by default', () => {
    const w = world();
    const state = started(w);
    const out = applyDecision(
      state,
      decision({ decisionId: 'd1', action: 'route_back', tenantIds: ['t-ent-1', 't-ghost'] }),
      ctxOf(w, T0 + 1),
    );
    assert.equal(out.commands.length, 1);
    const [c] = out.commands;
    assert.equal(c?.commandId, 't-ent-1:2');
    assert.deepEqual(c?.stable, routedBundleOf(w.baseline));
    assert.equal(c?.candidate, null);
    assert.equal(c?.sessionPolicy, 'drain');
    assert.equal(c?.decisionId, 'd1');
    assert.equal(c?.issuedAt, T0 + 1);
    assert.match(out.audit[0]?.details ?? '', /"not in the rollout"/);
    assert.deepEqual(
      out.notifications.map((n) => n.kind),
      ['rolled_back'],
    );
  });

  test('a decision delivered twice is executed once; the duplicate is audited as ignored', () => {
    const w = world();
    const state = started(w);
    const d = decision({ decisionId: 'd1', action: 'route_back', tenantIds: ['t-ent-1'] });
    assert.equal(applyDecision(state, d, ctxOf(w)).commands.length, 1);
    const again = applyDecision(state, d, ctxOf(w));
    assert.equal(again.commands.length, 0);
    assert.equal(again.notifications.length, 0);
    assert.match(again.audit[0]?.details ?? '', /"outcome":"duplicate_ignored","previously":"executed"/);
  });

  test('halt_rollout routes every tenant back, halts, and pages as critical', () => {
    const w = world();
    const state = started(w);
    const out = applyDecision(
      state,
      decision({ decisionId: 'd-halt', action: 'halt_rollout', tenantIds: ['t-ent-1'] }),
      ctxOf(w),
    );
    assert.equal(out.commands.length, tenants.length);
    assert.equal(state.rollouts.get('r1')?.status, 'halted');
    assert.equal(out.notifications[0]?.severity, 'critical');
  });

  test('pause_onboarding only sets the flag; dryRun only audits', () => {
    const w = world();
    const state = started(w);
    const pause = applyDecision(state, decision({ decisionId: 'd-p', action: 'pause_onboarding' }), ctxOf(w));
    assert.equal(pause.commands.length, 0);
    assert.equal(state.rollouts.get('r1')?.onboardingPaused, true);
    const dry = applyDecision(
      state,
      decision({ decisionId: 'd-dry', action: 'halt_rollout', dryRun: true }),
      ctxOf(w),
    );
    assert.equal(dry.commands.length, 0);
    assert.equal(dry.notifications.length, 0);
    assert.equal(state.rollouts.get('r1')?.status, 'running');
    assert.match(dry.audit[0]?.details ?? '', /"outcome":"dry_run"/);
  });

  test('a decision for an unknown rollout, or after promotion, is refused and a human is asked', () => {
    const w = world();
    const state = started(w);
    const unknown = applyDecision(
      state,
      decision({ decisionId: 'd0', action: 'route_back', rolloutId: 'r-x' }),
      ctxOf(w),
    );
    assert.equal(unknown.audit[0]?.kind, 'refused');
    assert.equal(unknown.notifications[0]?.kind, 'refused');
    applyRolloutCommand(state, command({ commandId: 'c-promote', action: 'promote' }), ctxOf(w));
    const late = applyDecision(
      state,
      decision({ decisionId: 'd1', action: 'route_back', tenantIds: ['t-ent-1'] }),
      ctxOf(w),
    );
    assert.equal(late.commands.length, 0);
    assert.deepEqual(
      late.audit.map((e) => e.kind),
      ['decision_received', 'refused'],
    );
  });

  test('a decision naming another baseline than the rollout is refused', () => {
    const w = world();
    const state = started(w);
    const out = applyDecision(
      state,
      decision({ decisionId: 'd1', action: 'halt_rollout', baselineBundleId: w.candidateV4.bundleId }),
      ctxOf(w),
    );
    assert.equal(out.commands.length, 0);
    assert.equal(out.notifications[0]?.kind, 'refused');
  });
});

describe('refused reverts', () => {
  test('a baseline that does not support the tenant tier: that tenant is refused, the others go back', () => {
    const w = world();
    const state = started(w, { baselineBundleId: w.baselineNoEnterprise.bundleId });
    const out = applyDecision(state, decision({ decisionId: 'd-halt', action: 'halt_rollout' }), ctxOf(w));
    assert.deepEqual(
      out.commands.map((c) => c.tenantId),
      ['t-pro-1', 't-free-1'],
    );
    const refused = out.audit.find((e) => e.kind === 'refused');
    assert.deepEqual(refused?.tenantIds, ['t-ent-1', 't-ent-2']);
    assert.match(refused?.details ?? '', /does not support tier enterprise/);
    assert.ok(
      out.notifications.some(
        (n) => n.kind === 'refused' && n.severity === 'error' && n.decisionId === 'd-halt',
      ),
    );
    assert.equal(state.tenants.get('t-ent-1')?.candidateBundleId, w.candidate.bundleId);
  });

  test('tool contracts: after a blue/green switch to tools v4, a revert to tools 3.x is refused', () => {
    const w = world();
    const state = started(w, {
      strategy: 'blue_green',
      canaryPercent: null,
      candidateBundleId: w.candidateV4.bundleId,
    });
    const out = applyDecision(
      state,
      decision({ decisionId: 'd1', action: 'route_back', tenantIds: ['t-pro-1'] }),
      ctxOf(w),
    );
    assert.equal(out.commands.length, 0);
    assert.match(
      out.audit.find((e) => e.kind === 'refused')?.details ?? '',
      /tool schema major 3 \(3\.2\.0\) differs from 4 \(v4\)/,
    );
  });

  test('tool contracts: while the baseline still serves the tenant (canary 10 %), the revert is compatible', () => {
    const w = world();
    const state = started(w, { candidateBundleId: w.candidateV4.bundleId });
    const out = applyDecision(
      state,
      decision({ decisionId: 'd1', action: 'route_back', tenantIds: ['t-pro-1'] }),
      ctxOf(w),
    );
    assert.equal(out.commands.length, 1);
  });

  test('a revert target missing from the bundles table is refused', () => {
    const w = world();
    const state = started(w);
    const bundles = new Map<string, Bundle>(w.bundles);
    bundles.delete(w.baseline.bundleId);
    const out = applyDecision(state, decision({ decisionId: 'd1', action: 'halt_rollout' }), {
      nowMs: T0,
      bundles,
    });
    assert.equal(out.commands.length, 0);
    assert.match(out.audit.find((e) => e.kind === 'refused')?.details ?? '', /not a registered bundle/);
  });
});

describe('approvals', () => {
  test('needs_approval stores the decision, routes nothing and asks a human', () => {
    const w = world();
    const state = started(w);
    const out = applyDecision(
      state,
      pending('d1', { approvalTimeoutMs: 60_000, onApprovalTimeout: 'execute' }),
      ctxOf(w),
    );
    assert.equal(out.commands.length, 0);
    assert.equal(out.notifications[0]?.kind, 'approval_requested');
    assert.deepEqual(
      state.rollouts.get('r1')?.pending.map((p) => p.deadline),
      [T0 + 60_000],
    );
  });

  test('an approval scoped to a tier routes only that tier, once', () => {
    const w = world();
    const state = started(w);
    applyDecision(state, pending('d1'), ctxOf(w));
    const out = applyApproval(
      state,
      approval({ approvalId: 'a1', decisionId: 'd1', verdict: 'approve', tiers: ['enterprise'] }),
      ctxOf(w, T0 + 10),
    );
    assert.deepEqual(
      out.commands.map((c) => c.tenantId),
      ['t-ent-1', 't-ent-2'],
    );
    assert.equal(out.audit[0]?.kind, 'approval');
    assert.match(out.audit[0]?.details ?? '', /"outOfScope":\["t-pro-1","t-free-1"\]/);
    assert.equal(out.notifications.at(-1)?.kind, 'approval_resolved');
    const second = applyApproval(
      state,
      approval({ approvalId: 'a2', decisionId: 'd1', verdict: 'approve' }),
      ctxOf(w, T0 + 20),
    );
    assert.equal(second.commands.length, 0);
    assert.match(second.audit[0]?.details ?? '', /decision already executed/);
  });

  test('an approval scoped to tenant ids routes only those', () => {
    const w = world();
    const state = started(w);
    applyDecision(state, pending('d1'), ctxOf(w));
    const out = applyApproval(
      state,
      approval({ approvalId: 'a1', decisionId: 'd1', verdict: 'approve', tenantIds: ['t-free-1'] }),
      ctxOf(w),
    );
    assert.deepEqual(
      out.commands.map((c) => c.tenantId),
      ['t-free-1'],
    );
  });

  test('reject records and routes nothing; an unknown decision is audited and ignored', () => {
    const w = world();
    const state = started(w);
    applyDecision(state, pending('d1'), ctxOf(w));
    const rejected = applyApproval(
      state,
      approval({ approvalId: 'a1', decisionId: 'd1', verdict: 'reject' }),
      ctxOf(w),
    );
    assert.equal(rejected.commands.length, 0);
    assert.equal(state.rollouts.get('r1')?.decisions.get('d1'), 'rejected');
    const unknown = applyApproval(
      state,
      approval({ approvalId: 'a2', decisionId: 'd-nope', verdict: 'approve' }),
      ctxOf(w),
    );
    assert.equal(unknown.commands.length, 0);
    assert.match(unknown.audit[0]?.details ?? '', /unknown decision/);
  });

  test('tick executes or rejects at the deadline per the decision policy, not before', () => {
    const w = world();
    const state = started(w);
    applyDecision(
      state,
      pending('d-exec', { approvalTimeoutMs: 1_000, onApprovalTimeout: 'execute', tenantIds: ['t-ent-1'] }),
      ctxOf(w),
    );
    applyDecision(
      state,
      pending('d-rej', { approvalTimeoutMs: 1_000, onApprovalTimeout: 'reject', tenantIds: ['t-pro-1'] }),
      ctxOf(w),
    );
    assert.equal(tick(state, ctxOf(w, T0 + 999)).audit.length, 0);
    const out = tick(state, ctxOf(w, T0 + 1_000));
    assert.deepEqual(
      out.commands.map((c) => c.tenantId),
      ['t-ent-1'],
    );
    assert.deepEqual(
      out.audit.filter((e) => e.kind === 'approval_timeout').map((e) => e.subjectId),
      ['d-exec', 'd-rej'],
    );
    assert.equal(state.rollouts.get('r1')?.decisions.get('d-rej'), 'rejected');
    assert.equal(tick(state, ctxOf(w, T0 + 5_000)).audit.length, 0);
  });

  test('without a timeout in the decision, the default is 30 min then reject', () => {
    const w = world();
    const state = started(w);
    applyDecision(state, pending('d1'), ctxOf(w));
    const out = tick(state, ctxOf(w, T0 + 30 * 60_000));
    assert.equal(out.commands.length, 0);
    assert.equal(state.rollouts.get('r1')?.decisions.get('d1'), 'rejected');
  });

  test('an approval after the deadline finds the timeout already applied', () => {
    const w = world();
    const state = started(w);
    applyDecision(state, pending('d1', { approvalTimeoutMs: 1_000, onApprovalTimeout: 'reject' }), ctxOf(w));
    const out = applyApproval(
      state,
      approval({ approvalId: 'a1', decisionId: 'd1', verdict: 'approve' }),
      ctxOf(w, T0 + 2_000),
    );
    assert.equal(out.commands.length, 0);
    assert.deepEqual(
      out.audit.map((e) => e.kind),
      ['approval_timeout', 'approval'],
    );
  });
});
