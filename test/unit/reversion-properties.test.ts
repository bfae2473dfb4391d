import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { RolloutTenant } from '../../schemas/types.ts';
import {
  applyApproval,
  applyDecision,
  applyRolloutCommand,
  createReversionState,
  decodeReversionState,
  encodeReversionState,
  routedBundleOf,
  tick,
  verifyChain,
  type ReversionOutput,
  type ReversionState,
} from '../../services/reversion/core/index.ts';
import { approval, command, ctxOf, decision, T0, world, type World } from './reversion-fixtures.ts';

const TENANTS: RolloutTenant[] = [
  { tenantId: 'e1', tenantTier: 'enterprise' },
  { tenantId: 'e2', tenantTier: 'enterprise' },
  { tenantId: 'p1', tenantTier: 'pro' },
  { tenantId: 'p2', tenantTier: 'pro' },
  { tenantId: 'f1', tenantTier: 'free' },
  { tenantId: 'f2', tenantTier: 'free' },
];
const TIERS = ['enterprise', 'pro', 'free'];

const rolloutId = fc.constantFrom('r1', 'r2');
const someTenants = fc.subarray(TENANTS, { minLength: 1 });
const decisionId = fc.constantFrom('d0', 'd1', 'd2');

const startOp = (id: fc.Arbitrary<string>, tenants: fc.Arbitrary<RolloutTenant[]>) =>
  fc.record({
    t: fc.constant('start' as const),
    rolloutId: id,
    strategy: fc.constantFrom('shadow' as const, 'canary' as const, 'blue_green' as const),
    percent: fc.integer({ min: 1, max: 100 }),
    tenants,
    v4: fc.boolean(),
    narrowBaseline: fc.boolean(),
  });

const anyOp = fc.oneof(
  { arbitrary: startOp(rolloutId, someTenants), weight: 1 },
  {
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      rolloutId,
      percent: fc.option(fc.integer({ min: 1, max: 100 })),
      tenants: fc.subarray(TENANTS),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      t: fc.constantFrom('promote' as const, 'abort' as const, 'pause' as const, 'resume' as const),
      rolloutId,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('decision' as const),
      rolloutId,
      decisionId,
      action: fc.constantFrom(
        ...(['route_back', 'route_back', 'route_back', 'pause_onboarding', 'halt_rollout'] as const),
      ),
      needsApproval: fc.boolean(),
      dryRun: fc.constantFrom(false, false, false, false, true),
      tenants: someTenants,
      timeoutMs: fc.integer({ min: 1, max: 10_000 }),
      execute: fc.boolean(),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('approval' as const),
      rolloutId,
      decisionId,
      approve: fc.boolean(),
      tiers: fc.subarray(TIERS),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 6_000 }) }),
    weight: 1,
  },
  { arbitrary: fc.record({ t: fc.constant('retry' as const), back: fc.nat(5) }), weight: 2 },
);
type Op = typeof anyOp extends fc.Arbitrary<infer T> ? T : never;

/** Two rollouts over disjoint tenants, then random operations (redeliveries included). */
const opSequence = (maxLength: number): fc.Arbitrary<Op[]> =>
  fc
    .tuple(
      startOp(fc.constant('r1'), fc.subarray(TENANTS.slice(0, 3), { minLength: 1 })),
      startOp(fc.constant('r2'), fc.subarray(TENANTS.slice(3), { minLength: 1 })),
      fc.array(anyOp, { maxLength, size: 'max' }),
    )
    .map(([a, b, rest]): Op[] => [a, b, ...rest]);

/** Runs one operation at `nowMs`; `retry` re-delivers an earlier operation unchanged. */
function step(state: ReversionState, w: World, ops: Op[], i: number, nowMs: number): ReversionOutput {
  const o = ops[i]!;
  const ctx = ctxOf(w, nowMs);
  const cmdId = `c${i}`;
  switch (o.t) {
    case 'start':
      return applyRolloutCommand(
        state,
        command({
          commandId: cmdId,
          action: 'start',
          rolloutId: o.rolloutId,
          strategy: o.strategy,
          canaryPercent: o.strategy === 'blue_green' ? null : o.percent,
          candidateBundleId: (o.v4 ? w.candidateV4 : w.candidate).bundleId,
          baselineBundleId: (o.narrowBaseline ? w.baselineNoEnterprise : w.baseline).bundleId,
          tenants: o.tenants,
        }),
        ctx,
      );
    case 'advance':
      return applyRolloutCommand(
        state,
        command({
          commandId: cmdId,
          action: 'advance',
          rolloutId: o.rolloutId,
          canaryPercent: o.percent,
          tenants: o.tenants,
        }),
        ctx,
      );
    case 'promote':
    case 'abort':
    case 'pause':
    case 'resume':
      return applyRolloutCommand(
        state,
        command({ commandId: cmdId, action: o.t, rolloutId: o.rolloutId }),
        ctx,
      );
    case 'decision':
      return applyDecision(
        state,
        decision({
          decisionId: o.decisionId,
          rolloutId: o.rolloutId,
          action: o.action,
          mode: o.needsApproval ? 'needs_approval' : 'automatic',
          dryRun: o.dryRun,
          tenantIds: o.tenants.map((t) => t.tenantId),
          approvalTimeoutMs: o.timeoutMs,
          onApprovalTimeout: o.execute ? 'execute' : 'reject',
        }),
        ctx,
      );
    case 'approval':
      return applyApproval(
        state,
        approval({
          approvalId: `a${i}`,
          decisionId: o.decisionId,
          rolloutId: o.rolloutId,
          verdict: o.approve ? 'approve' : 'reject',
          tiers: o.tiers,
        }),
        ctx,
      );
    case 'tick':
      return tick(state, ctx);
    case 'retry': {
      const j = i - 1 - o.back;
      if (j < 0 || ops[j]?.t === 'retry') return { commands: [], audit: [], notifications: [] };
      return step(state, w, ops, j, nowMs);
    }
  }
}

function times(ops: Op[]): number[] {
  let now = T0;
  return ops.map((o) => (now += o.t === 'tick' ? o.ms : 100));
}

const runs = { numRuns: 300 };

describe('reversion core properties', () => {
  test('per tenant, epochs go up by exactly 1 on every command; commands carry whole, known bundles', () => {
    const w = world();
    fc.assert(
      fc.property(opSequence(40), (ops) => {
        const state = createReversionState();
        const last = new Map<string, number>();
        const at = times(ops);
        ops.forEach((_, i) => {
          for (const c of step(state, w, ops, i, at[i]!).commands) {
            const prev = last.get(c.tenantId) ?? 0;
            assert.equal(c.epoch, prev + 1);
            assert.equal(c.commandId, `${c.tenantId}:${c.epoch}`);
            assert.deepEqual(c.stable, routedBundleOf(w.bundles.get(c.stable.bundleId)!));
            if (c.candidate !== null)
              assert.deepEqual(c.candidate, routedBundleOf(w.bundles.get(c.candidate.bundleId)!));
            last.set(c.tenantId, c.epoch);
          }
        });
        for (const [id, epoch] of last) assert.equal(state.tenants.get(id)?.epoch, epoch);
      }),
      runs,
    );
  });

  test('a decision routes in at most one step, however often it and its approvals are delivered', () => {
    const w = world();
    fc.assert(
      fc.property(opSequence(40), (ops) => {
        const state = createReversionState();
        const stepOf = new Map<string, number>();
        const at = times(ops);
        ops.forEach((_, i) => {
          for (const c of step(state, w, ops, i, at[i]!).commands) {
            if (c.decisionId === null) continue;
            const key = `${c.rolloutId}/${c.decisionId}`;
            assert.equal(stepOf.get(key) ?? i, i, `${key} routed in two steps`);
            stepOf.set(key, i);
          }
        });
      }),
      runs,
    );
  });

  test('a pending decision is settled exactly once, and none stays pending on a rollout that ended', () => {
    const w = world();
    fc.assert(
      fc.property(opSequence(40), (ops) => {
        const state = createReversionState();
        const asked = new Set<string>();
        const settled = new Map<string, number>();
        const settle = (key: string): void => void settled.set(key, (settled.get(key) ?? 0) + 1);
        const at = times(ops);
        ops.forEach((_, i) => {
          for (const e of step(state, w, ops, i, at[i]!).audit) {
            const d = JSON.parse(e.details) as { outcome?: string; closedBy?: string; decisionId?: string };
            if (e.kind === 'decision_received' && d.outcome === 'pending_approval')
              asked.add(`${e.rolloutId}/${e.subjectId}`);
            else if (e.kind === 'approval_timeout' || e.kind === 'decision_closed')
              settle(`${e.rolloutId}/${e.subjectId}`);
            else if (e.kind === 'approval' && d.outcome !== 'ignored')
              settle(`${e.rolloutId}/${d.decisionId}`);
          }
          for (const r of state.rollouts.values())
            if (r.status !== 'running' && r.status !== 'paused') assert.deepEqual(r.pending, [], r.status);
        });
        const stillPending = new Set(
          [...state.rollouts.values()].flatMap((r) =>
            r.pending.map((p) => `${r.rolloutId}/${p.decision.decisionId}`),
          ),
        );
        for (const [key, n] of settled) assert.equal(n, 1, `${key} settled ${n} times`);
        for (const key of asked)
          assert.ok(settled.has(key) !== stillPending.has(key), `${key} neither settled nor pending`);
      }),
      runs,
    );
  });

  test('the audit trail verifies, and a state restored from its encoding after every step behaves identically', () => {
    const w = world();
    fc.assert(
      fc.property(opSequence(30), (ops) => {
        const live = createReversionState();
        let restored = createReversionState();
        const audit = [];
        const at = times(ops);
        for (let i = 0; i < ops.length; i++) {
          const a = step(live, w, ops, i, at[i]!);
          const b = step(restored, w, ops, i, at[i]!);
          assert.deepEqual(b, a);
          audit.push(...a.audit);
          const decoded = decodeReversionState(encodeReversionState(restored));
          assert.ok(decoded.ok);
          if (decoded.ok) restored = decoded.state;
        }
        assert.deepEqual(verifyChain(audit), { ok: true });
      }),
      { numRuns: 150 },
    );
  });

  test('an approval scoped to tiers routes exactly the targeted tenants of those tiers', () => {
    const w = world();
    fc.assert(
      fc.property(
        someTenants,
        someTenants,
        fc.subarray(TIERS, { minLength: 1 }),
        (inRollout, named, tiers) => {
          const state = createReversionState();
          const ctx = ctxOf(w);
          applyRolloutCommand(
            state,
            command({
              commandId: 's',
              action: 'start',
              strategy: 'canary',
              canaryPercent: 5,
              candidateBundleId: w.candidate.bundleId,
              baselineBundleId: w.baseline.bundleId,
              tenants: inRollout,
            }),
            ctx,
          );
          applyDecision(
            state,
            decision({
              decisionId: 'd',
              action: 'route_back',
              mode: 'needs_approval',
              tenantIds: named.map((t) => t.tenantId),
            }),
            ctx,
          );
          const out = applyApproval(
            state,
            approval({ approvalId: 'a', decisionId: 'd', verdict: 'approve', tiers }),
            ctx,
          );
          const names = new Set(named.map((t) => t.tenantId));
          const expected = inRollout
            .filter((t) => names.has(t.tenantId) && tiers.includes(t.tenantTier))
            .map((t) => t.tenantId);
          assert.deepEqual(
            out.commands.map((c) => c.tenantId),
            expected,
          );
        },
      ),
      runs,
    );
  });

  test('abort puts every tenant still on the candidate back on the baseline in one step', () => {
    const w = world();
    fc.assert(
      fc.property(opSequence(25), someTenants, (ops, ts) => {
        const state = createReversionState();
        const at = times(ops);
        ops.forEach((_, i) => step(state, w, ops, i, at[i]!));
        const id = 'r-abort';
        const ctx = ctxOf(w, T0 + 1e7);
        const start = applyRolloutCommand(
          state,
          command({
            commandId: 's',
            action: 'start',
            rolloutId: id,
            strategy: 'canary',
            canaryPercent: 20,
            candidateBundleId: w.candidate.bundleId,
            baselineBundleId: w.baseline.bundleId,
            tenants: ts,
          }),
          ctx,
        );
        fc.pre(start.commands.length > 0);
        const onCandidate = ts
          .filter((t) => state.tenants.get(t.tenantId)?.candidateBundleId !== null)
          .map((t) => t.tenantId);
        const out = applyRolloutCommand(
          state,
          command({ commandId: 'x', action: 'abort', rolloutId: id }),
          ctx,
        );
        assert.deepEqual(
          out.commands.map((c) => c.tenantId),
          onCandidate,
        );
        for (const t of ts) {
          const r = state.tenants.get(t.tenantId);
          assert.equal(r?.stableBundleId, w.baseline.bundleId);
          assert.equal(r?.candidateBundleId, null);
        }
      }),
      { numRuns: 200 },
    );
  });
});
