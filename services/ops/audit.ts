/**
 * The audit trail as operators read it: one rollout's timeline, and the verification of the hash
 * chains with reversion's own hashing (services/reversion/core/audit-chain.ts), naming the first
 * broken link.
 */
import type { AuditEvent } from '../../schemas/types.ts';
import { verifyChain } from '../reversion/core/audit-chain.ts';
import { readTopic, type ReaderDeps, type TopicRecord } from './topic-reader.ts';

/** One audit event with its `details` parsed and its position on the topic. */
export interface TimelineEntry {
  event: AuditEvent;
  details: unknown;
  partition: number;
  offset: string;
}

/** Events of `rolloutId` in chain order (seq). Empty when the rollout has no audit trail. */
export async function auditTimeline(deps: ReaderDeps, rolloutId: string): Promise<TimelineEntry[]> {
  const { records } = await readTopic(deps, 'audit');
  return records
    .filter((r) => r.value.rolloutId === rolloutId)
    .sort((a, b) => a.value.seq - b.value.seq)
    .map(entryOf);
}

function entryOf(r: TopicRecord<AuditEvent>): TimelineEntry {
  let details: unknown = r.value.details;
  try {
    details = JSON.parse(r.value.details);
  } catch {
    // kept as the raw string
  }
  return { event: r.value, details, partition: r.partition, offset: r.offset };
}

export type AuditVerification =
  | { ok: true; events: number; rollouts: number }
  | {
      ok: false;
      events: number;
      rollouts: number;
      /** the first broken link: the rollout, the seq at which its chain breaks, where that event is */
      broken: {
        rolloutId: string;
        seq: number;
        reason: string;
        partition: number | null;
        offset: string | null;
      };
    };

/**
 * Verifies records in topic order (each rollout's chain lives on one partition, in offset order).
 * Pure: the caller reads the records.
 */
export function verifyAuditRecords(
  records: readonly TopicRecord<AuditEvent>[],
  rolloutId?: string,
): AuditVerification {
  const mine = rolloutId === undefined ? records : records.filter((r) => r.value.rolloutId === rolloutId);
  const events = mine.length;
  const rollouts = new Set(mine.map((r) => r.value.rolloutId)).size;
  const check = verifyChain(mine.map((r) => r.value));
  if (check.ok) return { ok: true, events, rollouts };
  const at = mine.find((r) => r.value.rolloutId === check.rolloutId && r.value.seq === check.brokenAt);
  return {
    ok: false,
    events,
    rollouts,
    broken: {
      rolloutId: check.rolloutId,
      seq: check.brokenAt,
      reason: check.reason,
      partition: at?.partition ?? null,
      offset: at?.offset ?? null,
    },
  };
}

/** Reads the whole audit topic and verifies every chain (or only `rolloutId`'s). */
export async function verifyAudit(deps: ReaderDeps, rolloutId?: string): Promise<AuditVerification> {
  const { records } = await readTopic(deps, 'audit');
  return verifyAuditRecords(records, rolloutId);
}
