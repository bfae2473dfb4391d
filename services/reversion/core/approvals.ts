/**
 * Human answers to needs_approval decisions (rollback.approvals.v1) and approval timeouts.
 * A pending decision is resolved once: by the first approval, rejection or timeout, or by the end of
 * its rollout (abort, promote, halt; see close-pending.ts), which settles it `ignored`.
 */
import type { Approval } from '../../../schemas/types.ts';
import { emptyOutput, optionsOf, type ReversionContext, type ReversionOutput } from './context.ts';
import { executeDecision, planDecision, precheck, type Scope } from './decision-execution.ts';
import { audit, refuse } from './record.ts';
import type { PendingApproval, ReversionState, RolloutState } from './state.ts';

/**
 * Applies one approval. `approve` executes the pending decision, limited to the approval's scope
 * (tenantIds or tiers; both empty = all); tenants outside the scope are not routed and the decision is
 * done. An approval arriving at or after the deadline finds the timeout applied first. An approval for
 * an unknown or already resolved decision is audited and ignored.
 */
export function applyApproval(state: ReversionState, a: Approval, ctx: ReversionContext): ReversionOutput {
  const out = emptyOutput();
  const subject = { rolloutId: a.rolloutId, actor: a.actor, subjectId: a.approvalId, tenantIds: a.tenantIds };
  const rollout = state.rollouts.get(a.rolloutId);
  const base = {
    decisionId: a.decisionId,
    verdict: a.verdict,
    tiers: a.tiers,
    reason: a.reason,
    answeredAt: a.answeredAt,
  };
  if (rollout === undefined) {
    audit(state, ctx, out, 'approval', subject, { ...base, outcome: 'ignored', why: 'unknown rollout' });
    return out;
  }
  const due = rollout.pending.find((p) => p.decision.decisionId === a.decisionId && p.deadline <= ctx.nowMs);
  if (due !== undefined) timeOut(state, ctx, out, rollout, due);
  const pending = rollout.pending.find((p) => p.decision.decisionId === a.decisionId);
  if (pending === undefined) {
    const seen = rollout.decisions.get(a.decisionId);
    audit(state, ctx, out, 'approval', subject, {
      ...base,
      outcome: 'ignored',
      why: seen === undefined ? 'unknown decision' : `decision already ${seen}`,
    });
    return out;
  }
  rollout.pending = rollout.pending.filter((p) => p !== pending);
  const d = pending.decision;
  if (a.verdict === 'reject') {
    rollout.decisions.set(d.decisionId, 'rejected');
    audit(state, ctx, out, 'approval', subject, { ...base, outcome: 'rejected' });
  } else {
    resolveByExecuting(state, ctx, out, rollout, pending, 'approval', subject, base, {
      tenantIds: a.tenantIds,
      tiers: a.tiers,
    });
  }
  out.notifications.push({
    kind: 'approval_resolved',
    rolloutId: a.rolloutId,
    severity: 'info',
    summary: `${a.actor} ${a.verdict === 'approve' ? 'approved' : 'rejected'} ${d.action} on rollout ${a.rolloutId}${a.reason ? `: ${a.reason}` : ''}`,
    decisionId: d.decisionId,
  });
  return out;
}

/** Resolves every pending decision whose deadline (epoch ms) is at or before `ctx.nowMs`. */
export function tick(state: ReversionState, ctx: ReversionContext): ReversionOutput {
  const out = emptyOutput();
  const ids = [...state.rollouts.keys()].sort();
  for (const id of ids) {
    const rollout = state.rollouts.get(id);
    if (rollout === undefined) continue;
    for (const p of rollout.pending.filter((x) => x.deadline <= ctx.nowMs))
      if (rollout.pending.includes(p)) timeOut(state, ctx, out, rollout, p);
  }
  return out;
}

function timeOut(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  p: PendingApproval,
): void {
  rollout.pending = rollout.pending.filter((x) => x !== p);
  const d = p.decision;
  const subject = {
    rolloutId: rollout.rolloutId,
    actor: optionsOf(ctx).serviceActor,
    subjectId: d.decisionId,
    tenantIds: d.tenantIds,
  };
  const base = { deadline: p.deadline, onTimeout: p.onTimeout, action: d.action };
  if (p.onTimeout === 'reject') {
    rollout.decisions.set(d.decisionId, 'rejected');
    audit(state, ctx, out, 'approval_timeout', subject, { ...base, outcome: 'rejected' });
  } else {
    resolveByExecuting(state, ctx, out, rollout, p, 'approval_timeout', subject, base, null);
  }
  out.notifications.push({
    kind: 'approval_resolved',
    rolloutId: rollout.rolloutId,
    severity: p.onTimeout === 'execute' ? 'warning' : 'info',
    summary: `No answer in time for ${d.action} on rollout ${rollout.rolloutId}: ${p.onTimeout === 'execute' ? 'executed' : 'rejected'} by policy`,
    decisionId: d.decisionId,
  });
}

function resolveByExecuting(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  p: PendingApproval,
  kind: 'approval' | 'approval_timeout',
  subject: { rolloutId: string; actor: string; subjectId: string; tenantIds: readonly string[] },
  base: Record<string, unknown>,
  scope: Scope | null,
): void {
  const d = p.decision;
  const pre = precheck(rollout, d);
  if (pre.kind !== 'ok') {
    rollout.decisions.set(d.decisionId, pre.kind === 'ignore' ? 'ignored' : 'refused');
    audit(state, ctx, out, kind, subject, {
      ...base,
      outcome: pre.kind === 'ignore' ? 'ignored' : 'refused',
      why: pre.reason,
    });
    if (pre.kind === 'refuse')
      refuse(state, ctx, out, { ...subject, decisionId: d.decisionId, severity: 'error' }, pre.reason);
    return;
  }
  const plan = planDecision(rollout, d, scope);
  audit(state, ctx, out, kind, subject, { ...base, outcome: 'executed', plan });
  executeDecision(state, ctx, out, rollout, d, plan, subject.actor);
}
