import type { DecisionAction, DecisionMode, RollbackDecision } from '../../../schemas/types.ts';
import type { Policy } from '../policy/schema.ts';
import { breadthOf, describeBreadth, type Breadth } from './breadth.ts';
import { buildDecision } from './decision.ts';
import { maxLevel } from './grade.ts';
import { assessPools } from './pool.ts';
import type { DecidedMode, RolloutState, TenantState } from './state.ts';

const RANK: Record<DecidedMode, number> = { none: 0, needs_approval: 1, automatic: 2 };

function tenantReasons(tenants: readonly TenantState[], perTenant: number): string[] {
  return tenants.flatMap((t) =>
    t.flagged.slice(0, perTenant).map((f) => `${t.tenantId} (${t.tier}): ${f.reason}`),
  );
}

const evidenceOf = (tenants: readonly TenantState[]) =>
  tenants.flatMap((t) => t.flagged.map((f) => f.evidence));
const maxComposite = (tenants: readonly TenantState[]) =>
  tenants.reduce((m, t) => Math.max(m, t.composite), 0);

const tiersOf = (tenants: readonly TenantState[]) => new Set(tenants.map((t) => t.tier)).size;

/**
 * The mode a rollout-wide threshold reaches: automatic on act-level tenants alone (spanning `minTiers`
 * tiers, or every tier of the rollout if it has fewer), else needs_approval on tenants of any level.
 */
function rolloutMode(
  state: RolloutState,
  b: Breadth,
  rule: { share: number; minTenants: number; minTiers?: number },
): DecidedMode {
  const minTiers = Math.min(rule.minTiers ?? 1, tiersOf(Object.values(state.tenants)));
  const act =
    b.degradedAct.length >= rule.minTenants && b.act >= rule.share && tiersOf(b.degradedAct) >= minTiers;
  if (act) return 'automatic';
  return b.degraded.length >= rule.minTenants && b.any >= rule.share ? 'needs_approval' : 'none';
}

function rolloutDecision(
  state: RolloutState,
  policy: Policy,
  action: DecisionAction,
  mode: DecisionMode,
  b: Breadth,
  tenantIds: readonly string[],
): RollbackDecision {
  const summary = `breadth T=${state.breadth.toFixed(2)}: ${b.degraded.length} of ${b.total} tenants degraded (${describeBreadth(state, b.degraded)})`;
  return buildDecision(state, policy, {
    action,
    mode,
    tenantIds,
    windowEnd: state.finalizedWindowEnd,
    compositeScore: maxComposite(b.degraded),
    reasons: [summary, ...tenantReasons(b.degraded, 1)],
    evidence: evidenceOf(b.degraded),
  });
}

function routeBack(
  state: RolloutState,
  policy: Policy,
  mode: DecisionMode,
  tenants: TenantState[],
): RollbackDecision | null {
  if (tenants.length === 0) return null;
  for (const t of tenants) t.decided = mode;
  return buildDecision(state, policy, {
    action: 'route_back',
    mode,
    tenantIds: tenants.map((t) => t.tenantId),
    windowEnd: state.finalizedWindowEnd,
    compositeScore: maxComposite(tenants),
    reasons: tenantReasons(tenants, 3),
    evidence: evidenceOf(tenants),
  });
}

/**
 * Closes the rollout's newest window (in place): runs the pooled detection, recomputes breadth T, and
 * escalates — pause onboarding → route the affected tenants back → halt the rollout. Act-level findings
 * decide automatically, flag-level ones ask for approval. Only a tenant's own confirmed evidence routes it
 * back; a pooled finding (tenants too small to judge alone) counts in T and so reaches the rollout-level
 * actions. A subject (the pause, each tenant's route-back,
 * the halt) is decided at most once per mode, upgraded at most once; nothing is decided unless the rollout
 * is active. Returns the decisions in that order; [] when the window was already closed.
 */
export function finalizeWindow(state: RolloutState, policy: Policy): RollbackDecision[] {
  const windowEnd = state.windowEnd;
  if (windowEnd < 0 || state.finalizedWindowEnd >= windowEnd) return [];
  state.finalizedWindowEnd = windowEnd;
  for (const finding of assessPools(state, policy, windowEnd)) {
    for (const id of finding.implicated) {
      const t = state.tenants[id]!;
      t.pooled = maxLevel(t.pooled, finding.level);
      t.flagged = [...finding.flagged];
    }
  }
  const b = breadthOf(state, policy);
  state.breadth = b.any;
  state.breadthAct = b.act;
  if (state.status !== 'active') return [];

  const out: RollbackDecision[] = [];
  const pause = rolloutMode(state, b, policy.breadth.pauseOnboarding);
  if (pause !== 'none' && RANK[pause] > RANK[state.pause]) {
    state.pause = pause;
    out.push(rolloutDecision(state, policy, 'pause_onboarding', pause, b, []));
  }
  const pending = b.degraded.filter((t) => t.decided !== 'automatic');
  const automatic = pending.filter((t) => t.confirmed === 'act');
  const approval = pending.filter((t) => t.confirmed === 'flag' && t.decided === 'none');
  for (const d of [
    routeBack(state, policy, 'automatic', automatic),
    routeBack(state, policy, 'needs_approval', approval),
  ]) {
    if (d) out.push(d);
  }
  const halt = rolloutMode(state, b, policy.breadth.haltRollout);
  if (halt !== 'none' && RANK[halt] > RANK[state.halt]) {
    state.halt = halt;
    const onCandidate = Object.keys(state.tenants)
      .sort()
      .filter((id) => state.tenants[id]!.decided !== 'automatic');
    out.push(rolloutDecision(state, policy, 'halt_rollout', halt, b, onCandidate));
    if (halt === 'automatic') state.status = 'halted';
  }
  return out;
}
