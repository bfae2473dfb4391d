/**
 * Rollback decisions as operators list them: each decision on rollback.decisions.v1 with what
 * reversion did about it, from the audit trail.
 */
import type { AuditEvent, RollbackDecision } from '../../schemas/types.ts';
import { readTopic, type ReaderDeps } from './topic-reader.ts';

/**
 * Where a decision stands: `unprocessed` (no audit yet), the outcome reversion audited on receipt
 * (`executed`, `pending_approval`, `dry_run`, `ignored`, `refused`), or how a pending one was resolved
 * (`approved`, `rejected`, `timeout_executed`, `timeout_rejected`, or `approval_refused`/`approval_ignored`).
 * A pending decision closed because its rollout ended (aborted, promoted, halted) is `ignored`, with
 * `resolvedBy` the actor who ended the rollout.
 */
export type DecisionStatus = string;

export interface DecisionRow {
  decision: RollbackDecision;
  /** Kafka record timestamp, epoch ms */
  recordedAt: number;
  status: DecisionStatus;
  /** who resolved a needs_approval decision, if a human did (or who ended its rollout) */
  resolvedBy: string | null;
}

export interface DecisionQuery {
  rolloutId?: string;
  /** epoch ms, by record time */
  sinceMs?: number;
  untilMs?: number;
}

/** Status of each decision id from audit events (in chain order). Pure. */
export function decisionStatuses(
  audit: readonly AuditEvent[],
): Map<string, { status: string; by: string | null }> {
  const out = new Map<string, { status: string; by: string | null }>();
  for (const e of audit) {
    let d: { outcome?: string; decisionId?: string; closedBy?: string };
    try {
      d = JSON.parse(e.details) as typeof d;
    } catch {
      continue;
    }
    if (e.kind === 'decision_received' && d.outcome !== 'duplicate_ignored' && d.outcome !== undefined)
      out.set(e.subjectId, { status: d.outcome, by: null });
    else if (e.kind === 'decision_closed' && d.outcome !== undefined)
      out.set(e.subjectId, { status: d.outcome, by: e.actor });
    else if (e.kind === 'approval' && d.decisionId !== undefined && d.outcome !== 'ignored') {
      const status =
        d.outcome === 'executed'
          ? 'approved'
          : d.outcome === 'rejected'
            ? 'rejected'
            : `approval_${d.outcome}`;
      out.set(d.decisionId, { status, by: e.actor });
    } else if (e.kind === 'approval_timeout')
      out.set(e.subjectId, { status: `timeout_${d.outcome}`, by: null });
  }
  return out;
}

/** Decisions matching `q`, oldest record first, with their status. */
export async function listDecisions(deps: ReaderDeps, q: DecisionQuery = {}): Promise<DecisionRow[]> {
  const range = {
    ...(q.sinceMs === undefined ? {} : { fromMs: q.sinceMs }),
    ...(q.untilMs === undefined ? {} : { toMs: q.untilMs }),
  };
  const [decisions, audit] = await Promise.all([
    readTopic(deps, 'decisions', range),
    readTopic(deps, 'audit', q.sinceMs === undefined ? {} : { fromMs: q.sinceMs }),
  ]);
  const statuses = decisionStatuses(
    audit.records.map((r) => r.value).filter((e) => q.rolloutId === undefined || e.rolloutId === q.rolloutId),
  );
  const seen = new Set<string>();
  return decisions.records
    .filter((r) => q.rolloutId === undefined || r.value.rolloutId === q.rolloutId)
    .filter((r) => !seen.has(r.value.decisionId) && seen.add(r.value.decisionId) !== undefined)
    .sort((a, b) => a.timestamp - b.timestamp)
    .map((r) => {
      const s = statuses.get(r.value.decisionId);
      return {
        decision: r.value,
        recordedAt: r.timestamp,
        status: s?.status ?? 'unprocessed',
        resolvedBy: s?.by ?? null,
      };
    });
}

/**
 * The decision with this id and where it stands now (its rollout's audit trail read to the end), or
 * undefined when it is not on the decisions topic.
 */
export async function findDecisionRow(
  deps: ReaderDeps,
  decisionId: string,
): Promise<DecisionRow | undefined> {
  const [decisions, audit] = await Promise.all([readTopic(deps, 'decisions'), readTopic(deps, 'audit')]);
  const r = decisions.records.find((x) => x.value.decisionId === decisionId);
  if (r === undefined) return undefined;
  const rolloutId = r.value.rolloutId;
  const s = decisionStatuses(audit.records.map((x) => x.value).filter((e) => e.rolloutId === rolloutId)).get(
    decisionId,
  );
  return {
    decision: r.value,
    recordedAt: r.timestamp,
    status: s?.status ?? 'unprocessed',
    resolvedBy: s?.by ?? null,
  };
}

/** The decision with this id, or undefined. */
export async function findDecision(
  deps: ReaderDeps,
  decisionId: string,
): Promise<RollbackDecision | undefined> {
  const { records } = await readTopic(deps, 'decisions');
  return records.find((r) => r.value.decisionId === decisionId)?.value;
}
