/**
 * The service reports a webhook it could not deliver; reversion chains it into the audit trail, since
 * it is the only writer of the rollout's chain.
 */
import type { AuditEvent } from '../../../schemas/types.ts';
import { appendAudit } from './audit-chain.ts';
import { optionsOf, type ReversionContext } from './context.ts';
import type { Notification } from './notifications.ts';
import type { ReversionState } from './state.ts';

/** Appends a `notification_failed` event; `channel` is e.g. 'slack' or 'pagerduty'. */
export function recordNotificationFailure(
  state: ReversionState,
  n: Notification,
  channel: string,
  error: string,
  ctx: Pick<ReversionContext, 'nowMs' | 'options'>,
): AuditEvent {
  return appendAudit(
    state,
    {
      rolloutId: n.rolloutId,
      kind: 'notification_failed',
      actor: optionsOf({ ...ctx, bundles: new Map() }).serviceActor,
      subjectId: n.decisionId ?? n.kind,
      tenantIds: [],
      details: { channel, error, notification: n },
    },
    ctx.nowMs,
  );
}
