/**
 * Closing the pending decisions of a rollout that ended (aborted, promoted or halted): nobody needs
 * to answer them any more, so each is settled at once instead of waiting for its approval deadline.
 */
import type { ReversionContext, ReversionOutput } from './context.ts';
import { audit } from './record.ts';
import type { ReversionState, RolloutState } from './state.ts';

/** What ended the rollout. */
export interface Closer {
  /** who ended it: the operator of the command, or the actor that executed a halting decision */
  actor: string;
  /** the rollout command id or the halting decision id */
  subjectId: string;
  /** human-readable, e.g. "rollout r1 aborted by alice" */
  reason: string;
}

/**
 * Settles every pending decision of `rollout` as `ignored`, in arrival order: one `decision_closed`
 * audit event each (actor = `closer.actor`, details `outcome: 'ignored'`, `reason`, `closedBy`) and one
 * `approval_resolved` notification each (it resolves the incident the approval request opened). A
 * later approval for such a decision is audited `ignored` ("decision already ignored"). Call after the
 * rollout's status has left running/paused. No-op when nothing is pending.
 */
export function closePending(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  closer: Closer,
): void {
  const closing = rollout.pending;
  rollout.pending = [];
  for (const p of closing) {
    const d = p.decision;
    rollout.decisions.set(d.decisionId, 'ignored');
    const subject = {
      rolloutId: rollout.rolloutId,
      actor: closer.actor,
      subjectId: d.decisionId,
      tenantIds: d.tenantIds,
    };
    audit(state, ctx, out, 'decision_closed', subject, {
      action: d.action,
      mode: d.mode,
      outcome: 'ignored',
      reason: closer.reason,
      closedBy: closer.subjectId,
      previously: 'pending',
    });
    out.notifications.push({
      kind: 'approval_resolved',
      rolloutId: rollout.rolloutId,
      severity: 'info',
      summary: `Approval no longer needed for ${d.action} on rollout ${rollout.rolloutId}: ${closer.reason}`,
      decisionId: d.decisionId,
    });
  }
}
