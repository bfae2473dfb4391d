import { createHash } from 'node:crypto';
import type { DecisionAction, DecisionMode, Evidence, RollbackDecision } from '../../../schemas/types.ts';
import type { Policy } from '../policy/schema.ts';
import type { RolloutState } from './state.ts';

const MAX_EVIDENCE = 100;
const MAX_REASONS = 30;

/** sha256 of `rolloutId/action/sorted tenantIds/windowEnd`, 32 hex chars: a retried decision has the same id. */
export function decisionId(
  rolloutId: string,
  action: DecisionAction,
  tenantIds: readonly string[],
  windowEnd: number,
): string {
  const key = `${rolloutId}/${action}/${[...tenantIds].sort().join(',')}/${windowEnd}`;
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

export interface DecisionDraft {
  readonly action: DecisionAction;
  readonly mode: DecisionMode;
  readonly tenantIds: readonly string[];
  readonly windowEnd: number;
  readonly compositeScore: number;
  readonly reasons: readonly string[];
  readonly evidence: readonly Evidence[];
}

function capped(reasons: readonly string[]): string[] {
  if (reasons.length <= MAX_REASONS) return [...reasons];
  return [...reasons.slice(0, MAX_REASONS - 1), `... and ${reasons.length - MAX_REASONS + 1} more`];
}

function dedupedEvidence(evidence: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of evidence) {
    const key = JSON.stringify(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
    if (out.length === MAX_EVIDENCE) break;
  }
  return out;
}

/** The wire record of a decision; `decidedAt` is the window's end (event time). */
export function buildDecision(state: RolloutState, policy: Policy, d: DecisionDraft): RollbackDecision {
  const tenantIds = [...d.tenantIds].sort();
  const tiers = [...new Set(tenantIds.map((id) => state.tenants[id]?.tier ?? policy.defaultTier))].sort();
  const approval = d.mode === 'needs_approval';
  return {
    decisionId: decisionId(state.rolloutId, d.action, tenantIds, d.windowEnd),
    rolloutId: state.rolloutId,
    action: d.action,
    tenantIds,
    mode: d.mode,
    compositeScore: d.compositeScore,
    breadth: state.breadth,
    reasons: capped(d.reasons),
    evidence: dedupedEvidence(d.evidence),
    decidedAt: d.windowEnd,
    tiers,
    candidateBundleId: state.candidateBundleId,
    baselineBundleId: state.baselineBundleId,
    approvalTimeoutMs: approval ? policy.approval.timeoutMs : null,
    onApprovalTimeout: approval ? policy.approval.onTimeout : null,
    dryRun: policy.mode === 'observe',
  };
}
