/**
 * The hash-chained audit trail. Each rollout id has its own chain: `seq` from 1, `prevHash` the hash of
 * the previous event of the chain (64 zeros for the first), and
 * `hash = sha256(prevHash + canonicalJson(event without hash))`, hex.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, AuditKind } from '../../../schemas/types.ts';
import { canonicalJson } from '../../registry/canonical-json.ts';
import { GENESIS_HASH, type AuditHead, type ReversionState } from './state.ts';

/** One audit step before it is chained. `details` is any JSON value; it is stored as canonical JSON. */
export interface AuditEntry {
  rolloutId: string;
  kind: AuditKind;
  actor: string;
  subjectId: string;
  tenantIds: readonly string[];
  details: unknown;
}

export function hashAuditEvent(event: Omit<AuditEvent, 'hash'>): string {
  const { hash: _ignored, ...fields } = event as AuditEvent;
  return createHash('sha256')
    .update(event.prevHash + canonicalJson(fields))
    .digest('hex');
}

/** Chains `entry` after the rollout's head at time `atMs` (epoch ms) and advances the head. */
export function appendAudit(state: ReversionState, entry: AuditEntry, atMs: number): AuditEvent {
  const head = state.auditHeads.get(entry.rolloutId) ?? { seq: 0, hash: GENESIS_HASH };
  const seq = head.seq + 1;
  const unhashed: Omit<AuditEvent, 'hash'> = {
    auditId: `${entry.rolloutId}:${seq}`,
    rolloutId: entry.rolloutId,
    seq,
    kind: entry.kind,
    actor: entry.actor,
    subjectId: entry.subjectId,
    tenantIds: [...entry.tenantIds],
    details: canonicalJson(entry.details),
    at: atMs,
    prevHash: head.hash,
  };
  const event: AuditEvent = { ...unhashed, hash: hashAuditEvent(unhashed) };
  state.auditHeads.set(entry.rolloutId, { seq, hash: event.hash });
  return event;
}

export type ChainCheck = { ok: true } | { ok: false; rolloutId: string; brokenAt: number; reason: string };

/**
 * Verifies audit events in the order they were read (chains of several rollouts may interleave).
 * Without `from`, each chain must start at seq 1; with `from`, a chain may continue a known head.
 * An event edited in place breaks at its own seq ("hash mismatch"); an edited event whose hash was
 * recomputed breaks at the next seq ("prevHash mismatch").
 */
export function verifyChain(
  events: readonly AuditEvent[],
  from?: ReadonlyMap<string, AuditHead>,
): ChainCheck {
  const heads = new Map<string, AuditHead>(from ?? []);
  for (const e of events) {
    const head = heads.get(e.rolloutId) ?? { seq: 0, hash: GENESIS_HASH };
    const broken = (reason: string): ChainCheck => ({
      ok: false,
      rolloutId: e.rolloutId,
      brokenAt: e.seq,
      reason,
    });
    if (e.seq !== head.seq + 1) return broken(`seq ${e.seq} where ${head.seq + 1} was expected`);
    if (e.prevHash !== head.hash)
      return broken('prevHash mismatch: the previous event was altered or removed');
    if (hashAuditEvent(e) !== e.hash) return broken('hash mismatch: the event was altered');
    heads.set(e.rolloutId, { seq: e.seq, hash: e.hash });
  }
  return { ok: true };
}
