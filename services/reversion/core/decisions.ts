/**
 * Rollback decisions from trigger (rollback.decisions.v1). A decision id is acted on at most once:
 * every id seen is remembered per rollout, and a redelivery is audited as ignored.
 */
import type { RollbackDecision } from '../../../schemas/types.ts';
import { emptyOutput, optionsOf, type ReversionContext, type ReversionOutput } from './context.ts';
import { executeDecision, planDecision, precheck } from './decision-execution.ts';
import { audit, refuse } from './record.ts';
import type { ReversionState } from './state.ts';

/** Actor of `decision_received` events: decisions come from the trigger service (or replay). */
export const DECISION_ACTOR = 'trigger';

/**
 * Applies one decision. `dryRun`: audited only. `needs_approval`: stored as pending until an approval
 * or its deadline (`nowMs + approvalTimeoutMs`), audited, and a human is notified; nothing is routed.
 * `automatic`: executed now. Mutates `state`; returns what to publish.
 */
export function applyDecision(
  state: ReversionState,
  d: RollbackDecision,
  ctx: ReversionContext,
): ReversionOutput {
  const out = emptyOutput();
  const subject = {
    rolloutId: d.rolloutId,
    actor: DECISION_ACTOR,
    subjectId: d.decisionId,
    tenantIds: d.tenantIds,
  };
  const rollout = state.rollouts.get(d.rolloutId);
  if (rollout === undefined) {
    refuse(
      state,
      ctx,
      out,
      { ...subject, decisionId: d.decisionId, severity: 'error' },
      `decision for unknown rollout ${d.rolloutId}`,
      { action: d.action },
    );
    return out;
  }
  const seen = rollout.decisions.get(d.decisionId);
  const base = {
    action: d.action,
    mode: d.mode,
    dryRun: d.dryRun,
    compositeScore: d.compositeScore,
    breadth: d.breadth,
    reasons: d.reasons,
  };
  if (seen !== undefined) {
    audit(state, ctx, out, 'decision_received', subject, {
      ...base,
      outcome: 'duplicate_ignored',
      previously: seen,
    });
    return out;
  }
  if (d.dryRun) {
    rollout.decisions.set(d.decisionId, 'dry_run');
    audit(state, ctx, out, 'decision_received', subject, {
      ...base,
      outcome: 'dry_run',
      wouldAffect: planDecision(rollout, d, null),
    });
    return out;
  }
  const pre = precheck(rollout, d);
  if (pre.kind !== 'ok') {
    rollout.decisions.set(d.decisionId, pre.kind === 'ignore' ? 'ignored' : 'refused');
    audit(state, ctx, out, 'decision_received', subject, {
      ...base,
      outcome: pre.kind === 'ignore' ? 'ignored' : 'refused',
      reason: pre.reason,
    });
    if (pre.kind === 'refuse')
      refuse(state, ctx, out, { ...subject, decisionId: d.decisionId, severity: 'error' }, pre.reason);
    return out;
  }
  if (d.mode === 'needs_approval') {
    const o = optionsOf(ctx);
    const deadline = ctx.nowMs + (d.approvalTimeoutMs ?? o.defaultApprovalTimeoutMs);
    const onTimeout = d.onApprovalTimeout ?? o.defaultOnApprovalTimeout;
    rollout.pending.push({ decision: d, receivedAt: ctx.nowMs, deadline, onTimeout });
    rollout.decisions.set(d.decisionId, 'pending');
    audit(state, ctx, out, 'decision_received', subject, {
      ...base,
      outcome: 'pending_approval',
      deadline,
      onTimeout,
    });
    out.notifications.push({
      kind: 'approval_requested',
      rolloutId: d.rolloutId,
      severity: 'warning',
      summary: `Approval needed: ${d.action} of ${d.tenantIds.length} tenant(s) on rollout ${d.rolloutId} (score ${d.compositeScore}); on no answer by ${new Date(deadline).toISOString()}: ${onTimeout}`,
      decisionId: d.decisionId,
    });
    return out;
  }
  const plan = planDecision(rollout, d, null);
  audit(state, ctx, out, 'decision_received', subject, { ...base, outcome: 'executed', plan });
  executeDecision(state, ctx, out, rollout, d, plan, optionsOf(ctx).serviceActor);
  return out;
}
