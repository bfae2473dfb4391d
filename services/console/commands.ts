/**
 * What a human does on the console, as wire records: an answer to a pending decision (Approval on
 * rollback.approvals.v1) or an abort (RolloutCommand on deploy.rollouts.v1), each carrying the
 * token's name as `actor` so reversion writes it to the audit trail. Request bodies are validated
 * here (zod); building the records is pure (ids and time are passed in).
 */
import { z } from 'zod';
import type { Approval, RolloutCommand } from '../../schemas/types.ts';
import type { Principal } from './auth.ts';
import type { DecisionView } from './read-model-views.ts';

const id = z
  .string()
  .regex(/^[A-Za-z0-9._:@/-]{1,200}$/, 'expected an id of 1..200 of A-Z a-z 0-9 . _ : @ / -');

export const idParam = z.object({ id });
export const tenantParam = z.object({ tenantId: id });

/** Scope of an answer: empty tenantIds and tiers = the whole decision. */
export const answerBody = z
  .strictObject({
    reason: z.string().max(500).default(''),
    tenantIds: z.array(id).max(10_000).default([]),
    tiers: z
      .array(z.string().regex(/^[a-z0-9_-]{1,64}$/, 'expected a tier name'))
      .max(100)
      .default([]),
  })
  .refine((b) => b.tenantIds.length === 0 || b.tiers.length === 0, 'give tenantIds or tiers, not both');
export type AnswerBody = z.output<typeof answerBody>;

export const abortBody = z.strictObject({
  reason: z.string().trim().min(1, 'a reason is required').max(500),
});
export type AbortBody = z.output<typeof abortBody>;

export const decisionsQuery = z.strictObject({ pending: z.enum(['0', '1', 'true', 'false']).optional() });

/** Why the scope does not fit the decision; undefined when it does. */
export function scopeProblem(d: DecisionView, body: AnswerBody): string | undefined {
  const outside = body.tenantIds.filter((t) => !d.tenantIds.includes(t));
  if (outside.length > 0) return `tenants not in decision ${d.decisionId}: ${outside.slice(0, 5).join(', ')}`;
  const tiers = body.tiers.filter((t) => !d.tiers.includes(t));
  if (tiers.length > 0) return `tiers not in decision ${d.decisionId}: ${tiers.join(', ')}`;
  return undefined;
}

export function approvalRecord(
  d: DecisionView,
  verdict: Approval['verdict'],
  body: AnswerBody,
  who: Principal,
  approvalId: string,
  nowMs: number,
): Approval {
  return {
    approvalId,
    decisionId: d.decisionId,
    rolloutId: d.rolloutId,
    verdict,
    tenantIds: body.tenantIds,
    tiers: body.tiers,
    actor: who.name,
    reason: body.reason,
    answeredAt: nowMs,
  };
}

export function abortCommand(
  rolloutId: string,
  body: AbortBody,
  who: Principal,
  commandId: string,
  nowMs: number,
): RolloutCommand {
  return {
    commandId,
    rolloutId,
    action: 'abort',
    strategy: null,
    candidateBundleId: null,
    baselineBundleId: null,
    tenants: [],
    canaryPercent: null,
    actor: who.name,
    reason: body.reason,
    issuedAt: nowMs,
  };
}
