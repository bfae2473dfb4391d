/**
 * The read model's view of reversion's outputs: decision status from the audit trail (reversion is
 * the one that knows whether a decision waits, ran or was rejected) and the public per-tenant
 * events from routing commands. Pure; see read-model.ts.
 */
import type { AuditEvent, RoutingCommand } from '../../schemas/types.ts';
import {
  decisionOf,
  rolloutOf,
  type ApplyVerdict,
  type DecisionEntry,
  type DecisionStatus,
  type ReadModel,
  type RolloutStatus,
  type TenantEvent,
} from './read-model.ts';
import { pushBounded } from './series.ts';

const statusOfOutcome: Record<string, DecisionStatus | undefined> = {
  pending_approval: 'pending_approval',
  executed: 'executed',
  rejected: 'rejected',
  refused: 'refused',
  ignored: 'ignored',
  dry_run: 'dry_run',
};

function detailsOf(e: AuditEvent): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(e.details);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const rolloutStatuses: ReadonlySet<string> = new Set<RolloutStatus>([
  'running',
  'paused',
  'promoted',
  'aborted',
  'halted',
]);

function resolve(d: DecisionEntry, e: AuditEvent, outcome: string | undefined, why: unknown): void {
  const status = outcome === undefined ? undefined : statusOfOutcome[outcome];
  if (status === undefined) return;
  d.status = status;
  d.statusAt = e.at;
  d.resolvedBy = status === 'pending_approval' ? undefined : e.actor;
  d.note = str(why);
}

/** Keeps the audit tail of the rollout and moves the status of the decision it is about. */
export function applyAudit(model: ReadModel, e: AuditEvent): ApplyVerdict {
  const r = rolloutOf(model, e.rolloutId, e.at);
  if (r.audit.some((x) => x.auditId === e.auditId)) return { applied: false };
  pushBounded(r.audit, e, model.limits.historyPerRollout);
  const details = detailsOf(e);
  const outcome = str(details.outcome);
  if (e.kind === 'rollout_command') {
    // reversion records the rollout's status after every command it applied; a refused one is `refused`.
    const status = str(details.status);
    if (outcome === 'applied' && status !== undefined && rolloutStatuses.has(status))
      r.status = status as RolloutStatus;
  } else if (
    e.kind === 'decision_received' ||
    e.kind === 'approval_timeout' ||
    e.kind === 'decision_closed'
  ) {
    const d = decisionOf(model, r, e.subjectId);
    if (outcome === 'pending_approval' && typeof details.deadline === 'number') d.deadline = details.deadline;
    resolve(d, e, outcome, details.why ?? details.reason);
    if (outcome === 'executed' && d.decision?.action === 'halt_rollout') r.status = 'halted';
  } else if (e.kind === 'approval') {
    const decisionId = str(details.decisionId);
    if (decisionId !== undefined) {
      const d = decisionOf(model, r, decisionId);
      const request = d.approvals.find((a) => a.approvalId === e.subjectId);
      if (request !== undefined) request.outcome = outcome;
      if (outcome !== 'ignored') resolve(d, e, outcome, details.why ?? details.reason);
      if (outcome === 'executed' && d.decision?.action === 'halt_rollout') r.status = 'halted';
    }
  }
  return { applied: true, rolloutId: r.rolloutId };
}

/** Current routing per tenant (a tombstone deletes it) and the tenant's public events. */
export function applyRouting(model: ReadModel, tenantId: string, c: RoutingCommand | null): ApplyVerdict {
  const previous = model.routing.get(tenantId);
  if (c === null) {
    model.routing.delete(tenantId);
    return previous === undefined ? { applied: false } : { applied: true, rolloutId: null };
  }
  if (previous !== undefined && previous.epoch >= c.epoch) return { applied: false };
  model.routing.set(tenantId, c);
  const kind = eventKind(previous, c);
  if (kind !== undefined) {
    const events = model.tenantEvents.get(tenantId) ?? [];
    const event: TenantEvent = { kind, at: c.issuedAt, tier: c.tenantTier, epoch: c.epoch };
    pushBounded(events, event, model.limits.eventsPerTenant);
    model.tenantEvents.set(tenantId, events);
  }
  return { applied: true, rolloutId: c.rolloutId };
}

function eventKind(previous: RoutingCommand | undefined, c: RoutingCommand): TenantEvent['kind'] | undefined {
  if (c.candidate === null && c.decisionId !== null) return 'rolled_back';
  if (c.candidate !== null && (previous === undefined || previous.candidate === null))
    return 'joined_rollout';
  if (c.candidate === null && previous?.candidate != null) return 'left_rollout';
  return undefined;
}
