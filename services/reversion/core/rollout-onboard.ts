/**
 * `start` and `advance`: putting tenants on a rollout's candidate and moving its share.
 * Strategies: shadow mirrors `canaryPercent` (default 100) of traffic to the candidate on the shadow
 * arm; canary serves `canaryPercent` (required) on the canary arm; blue_green serves 100 % on the
 * candidate with the baseline kept as the stable fallback.
 */
import type { RolloutCommand, RolloutStrategy, RolloutTenant } from '../../../schemas/types.ts';
import { isTierSupported } from '../../registry/compatibility.ts';
import type { ReversionContext, ReversionOutput } from './context.ts';
import { audit } from './record.ts';
import { issueRouting } from './routing.ts';
import { activeTenants, isLive, type ReversionState, type RolloutState } from './state.ts';

/** A refusal message, or null when the command may proceed. */
export type Problem = string | null;

export function percentFor(
  strategy: RolloutStrategy,
  requested: number | null,
): { percent: number } | { problem: string } {
  if (strategy === 'blue_green') {
    return requested === null || requested === 100
      ? { percent: 100 }
      : { problem: 'blue_green serves 100 %, canaryPercent must be null or 100' };
  }
  const p = requested ?? (strategy === 'shadow' ? 100 : null);
  if (p === null) return { problem: 'canary needs canaryPercent' };
  if (!(p > 0 && p <= 100)) return { problem: `canaryPercent ${p} is outside (0, 100]` };
  return { percent: p };
}

/**
 * Problems of onboarding `tenants` onto a rollout (new or existing) with these bundles. The candidate
 * must support each tenant's tier; the baseline is the tenant's status quo and is only checked when a
 * revert would route to it (routing.ts `checkRevert`).
 */
export function onboardingProblem(
  state: ReversionState,
  ctx: ReversionContext,
  rolloutId: string,
  tenants: readonly RolloutTenant[],
  candidateId: string,
  baselineId: string,
): Problem {
  const candidate = ctx.bundles.get(candidateId);
  const baseline = ctx.bundles.get(baselineId);
  if (candidate === undefined) return `candidate bundle ${candidateId} is not registered`;
  if (baseline === undefined) return `baseline bundle ${baselineId} is not registered`;
  if (new Set(tenants.map((t) => t.tenantId)).size !== tenants.length) return 'a tenant is listed twice';
  for (const t of tenants) {
    if (!isTierSupported(candidate, t.tenantTier))
      return `candidate ${candidateId} does not support tier ${t.tenantTier} of ${t.tenantId}`;
    const routing = state.tenants.get(t.tenantId);
    if (routing === undefined) continue;
    if (routing.candidateBundleId !== null && routing.rolloutId !== rolloutId) {
      const other = routing.rolloutId === null ? undefined : state.rollouts.get(routing.rolloutId);
      if (other === undefined || isLive(other)) {
        return `tenant ${t.tenantId} is on the candidate of rollout ${routing.rolloutId ?? '(none)'}`;
      }
    }
    if (routing.stableBundleId !== baselineId) {
      return `tenant ${t.tenantId} is on ${routing.stableBundleId}, not the baseline ${baselineId}`;
    }
  }
  return null;
}

export function startRollout(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  cmd: RolloutCommand,
): Problem {
  if (state.rollouts.has(cmd.rolloutId)) return `rollout ${cmd.rolloutId} already exists`;
  const { strategy, candidateBundleId: candidate, baselineBundleId: baseline } = cmd;
  if (strategy === null || candidate === null || baseline === null)
    return 'start needs strategy, candidateBundleId and baselineBundleId';
  if (candidate === baseline) return 'candidate and baseline are the same bundle';
  if (cmd.tenants.length === 0) return 'start needs at least one tenant';
  const share = percentFor(strategy, cmd.canaryPercent);
  if ('problem' in share) return share.problem;
  const problem = onboardingProblem(state, ctx, cmd.rolloutId, cmd.tenants, candidate, baseline);
  if (problem !== null) return problem;

  const rollout: RolloutState = {
    rolloutId: cmd.rolloutId,
    status: 'running',
    strategy,
    candidateBundleId: candidate,
    baselineBundleId: baseline,
    candidatePercent: share.percent,
    tenants: [],
    routedBack: [],
    onboardingPaused: false,
    commandIds: [cmd.commandId],
    decisions: new Map(),
    pending: [],
  };
  state.rollouts.set(cmd.rolloutId, rollout);
  audit(state, ctx, out, 'rollout_command', subjectOf(cmd), {
    action: 'start',
    strategy,
    candidate,
    baseline,
    percent: share.percent,
    reason: cmd.reason,
  });
  onboard(state, ctx, out, rollout, cmd, cmd.tenants);
  return null;
}

export function advanceRollout(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  cmd: RolloutCommand,
): Problem {
  if (rollout.status !== 'running') return `rollout is ${rollout.status}`;
  const known = new Set(rollout.tenants.map((t) => t.tenantId));
  const added = cmd.tenants.filter((t) => !known.has(t.tenantId));
  if (added.length > 0 && rollout.onboardingPaused)
    return `onboarding is paused, ${added.length} new tenant(s) refused`;
  let percent = rollout.candidatePercent;
  if (cmd.canaryPercent !== null) {
    const share = percentFor(rollout.strategy, cmd.canaryPercent);
    if ('problem' in share) return share.problem;
    percent = share.percent;
  }
  const problem = onboardingProblem(
    state,
    ctx,
    rollout.rolloutId,
    added,
    rollout.candidateBundleId,
    rollout.baselineBundleId,
  );
  if (problem !== null) return problem;

  rollout.commandIds.push(cmd.commandId);
  const moved = percent !== rollout.candidatePercent;
  audit(state, ctx, out, 'rollout_command', subjectOf(cmd), {
    action: 'advance',
    outcome: added.length === 0 && !moved ? 'noop' : 'applied',
    percent,
    added: added.map((t) => t.tenantId),
    reason: cmd.reason,
  });
  rollout.candidatePercent = percent;
  onboard(state, ctx, out, rollout, cmd, moved ? activeTenants(rollout) : []);
  onboard(state, ctx, out, rollout, cmd, added);
  return null;
}

function onboard(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  cmd: RolloutCommand,
  tenants: readonly RolloutTenant[],
): void {
  const known = new Set(rollout.tenants.map((t) => t.tenantId));
  for (const t of tenants) {
    if (!known.has(t.tenantId)) rollout.tenants.push({ tenantId: t.tenantId, tenantTier: t.tenantTier });
    const target = {
      stableBundleId: rollout.baselineBundleId,
      candidateBundleId: rollout.candidateBundleId,
      candidateArm: rollout.strategy === 'shadow' ? ('shadow' as const) : ('canary' as const),
      candidatePercent: rollout.candidatePercent,
      rolloutId: rollout.rolloutId,
    };
    const reason = `rollout ${rollout.rolloutId} ${cmd.action}: ${rollout.strategy} ${rollout.candidatePercent}%${cmd.reason ? ` (${cmd.reason})` : ''}`;
    issueRouting(state, ctx, out, t, target, {
      sessionPolicy: 'none',
      reason,
      decisionId: null,
      actor: cmd.actor,
    });
  }
}

export function subjectOf(cmd: RolloutCommand): {
  rolloutId: string;
  actor: string;
  subjectId: string;
  tenantIds: string[];
} {
  return {
    rolloutId: cmd.rolloutId,
    actor: cmd.actor,
    subjectId: cmd.commandId,
    tenantIds: cmd.tenants.map((t) => t.tenantId),
  };
}
