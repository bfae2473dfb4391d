/**
 * Small helpers that append one audit event (and a notification where a human must act).
 */
import type { AuditKind } from '../../../schemas/types.ts';
import { appendAudit } from './audit-chain.ts';
import type { ReversionContext, ReversionOutput } from './context.ts';
import type { Severity } from './notifications.ts';
import type { ReversionState } from './state.ts';

export interface Subject {
  rolloutId: string;
  actor: string;
  /** commandId, decisionId or approvalId */
  subjectId: string;
  tenantIds?: readonly string[];
}

export function audit(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  kind: AuditKind,
  subject: Subject,
  details: unknown,
): void {
  out.audit.push(
    appendAudit(state, { ...subject, kind, tenantIds: subject.tenantIds ?? [], details }, ctx.nowMs),
  );
}

/** Audits a refusal and asks a human through a notification. Nothing is routed. */
export function refuse(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  subject: Subject & { decisionId?: string; severity?: Severity },
  message: string,
  details: Record<string, unknown> = {},
): void {
  audit(state, ctx, out, 'refused', subject, { ...details, message });
  out.notifications.push({
    kind: 'refused',
    rolloutId: subject.rolloutId,
    severity: subject.severity ?? 'warning',
    summary: `Refused ${subject.subjectId} on rollout ${subject.rolloutId}: ${message}`,
    ...(subject.decisionId === undefined ? {} : { decisionId: subject.decisionId }),
  });
}
