/**
 * Executing a rollback decision, shared by automatic decisions, approvals and approval timeouts:
 * `precheck` → `planDecision` → (caller audits) → `executeDecision`.
 */
import type { RollbackDecision, RolloutTenant } from '../../../schemas/types.ts';
import { closePending } from './close-pending.ts';
import type { ReversionContext, ReversionOutput } from './context.ts';
import { revertTenants } from './routing.ts';
import { activeTenants, type ReversionState, type RolloutState } from './state.ts';

export type Precheck =
  { kind: 'ok' } | { kind: 'ignore'; reason: string } | { kind: 'refuse'; reason: string };

/** Whether the decision still applies to the rollout as reversion knows it. */
export function precheck(rollout: RolloutState, d: RollbackDecision): Precheck {
  if (d.baselineBundleId !== '' && d.baselineBundleId !== rollout.baselineBundleId) {
    return {
      kind: 'refuse',
      reason: `decision reverts to ${d.baselineBundleId} but the rollout's baseline is ${rollout.baselineBundleId}`,
    };
  }
  if (d.candidateBundleId !== '' && d.candidateBundleId !== rollout.candidateBundleId) {
    return {
      kind: 'refuse',
      reason: `decision is about candidate ${d.candidateBundleId} but the rollout's is ${rollout.candidateBundleId}`,
    };
  }
  if (rollout.status === 'promoted')
    return { kind: 'refuse', reason: 'the rollout was already promoted; reverting needs a new rollout' };
  if (rollout.status === 'aborted' || rollout.status === 'halted')
    return { kind: 'ignore', reason: `the rollout is already ${rollout.status}` };
  return { kind: 'ok' };
}

/** An approval's scope: empty tenantIds and tiers mean the whole decision; otherwise a tenant is in scope when listed or of a listed tier. */
export interface Scope {
  tenantIds: readonly string[];
  tiers: readonly string[];
}

export interface DecisionPlan {
  /** tenants to route back (route_back, halt_rollout), in rollout order */
  tenants: RolloutTenant[];
  /** named by the decision but not on the candidate any more, or not in the rollout */
  skipped: Array<{ tenantId: string; reason: string }>;
  /** on the candidate and targeted, but outside the approval's scope */
  outOfScope: string[];
}

export function planDecision(rollout: RolloutState, d: RollbackDecision, scope: Scope | null): DecisionPlan {
  const plan: DecisionPlan = { tenants: [], skipped: [], outOfScope: [] };
  if (d.action === 'pause_onboarding') return plan;
  const active = activeTenants(rollout);
  let targeted = active;
  if (d.action === 'route_back') {
    const byId = new Map(active.map((t) => [t.tenantId, t]));
    const all = new Set(rollout.tenants.map((t) => t.tenantId));
    const named = [...new Set(d.tenantIds)];
    for (const id of named) {
      if (!byId.has(id))
        plan.skipped.push({
          tenantId: id,
          reason: all.has(id) ? 'already off the candidate' : 'not in the rollout',
        });
    }
    const wanted = new Set(named);
    targeted = active.filter((t) => wanted.has(t.tenantId));
  }
  for (const t of targeted) {
    if (inScope(t, scope)) plan.tenants.push(t);
    else plan.outOfScope.push(t.tenantId);
  }
  return plan;
}

function inScope(t: RolloutTenant, scope: Scope | null): boolean {
  if (scope === null || (scope.tenantIds.length === 0 && scope.tiers.length === 0)) return true;
  return scope.tenantIds.includes(t.tenantId) || scope.tiers.includes(t.tenantTier);
}

/** Carries out a prechecked, planned decision and marks it executed; a halt closes the rollout's other pending decisions. */
export function executeDecision(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  d: RollbackDecision,
  plan: DecisionPlan,
  actor: string,
): void {
  rollout.decisions.set(d.decisionId, 'executed');
  const why = d.reasons.length > 0 ? d.reasons.join('; ') : `composite ${d.compositeScore}`;
  if (d.action === 'pause_onboarding') {
    rollout.onboardingPaused = true;
    out.notifications.push({
      kind: 'onboarding_paused',
      rolloutId: rollout.rolloutId,
      severity: 'warning',
      summary: `Onboarding of new tenants paused on rollout ${rollout.rolloutId}: ${why}`,
      decisionId: d.decisionId,
    });
    return;
  }
  if (d.action === 'halt_rollout') rollout.status = 'halted';
  const reason = `${d.action} by decision ${d.decisionId}: ${why}`;
  const result = revertTenants(state, ctx, out, rollout, plan.tenants, {
    reason,
    decisionId: d.decisionId,
    actor,
    subjectId: d.decisionId,
  });
  const halted = d.action === 'halt_rollout';
  if (!halted && result.routed.length === 0) return;
  out.notifications.push({
    kind: halted ? 'rollout_halted' : 'rolled_back',
    rolloutId: rollout.rolloutId,
    severity: halted ? 'critical' : 'warning',
    summary: `${halted ? `Rollout ${rollout.rolloutId} halted, ` : ''}${result.routed.length} tenant(s) routed back to ${rollout.baselineBundleId}${
      result.refused.length > 0 ? ` (${result.refused.length} refused)` : ''
    }: ${why}`,
    decisionId: d.decisionId,
  });
  if (halted)
    closePending(state, ctx, out, rollout, {
      actor,
      subjectId: d.decisionId,
      reason: `rollout ${rollout.rolloutId} halted by decision ${d.decisionId}`,
    });
}
