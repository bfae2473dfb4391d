/**
 * What-if: the decisions a policy makes on replayed input against those recorded on
 * rollback.decisions.v1, per (rollout, action, tenant). Pure.
 */
import type { RollbackDecision } from '../../schemas/types.ts';

export interface DiffEntry {
  rolloutId: string;
  action: RollbackDecision['action'];
  tenantId: string;
  /** event time of the first decision covering it, epoch ms */
  decidedAt: number;
  mode: RollbackDecision['mode'];
}

export interface DecisionDiff {
  /** the policy would decide these, nothing recorded did */
  onlyReplayed: DiffEntry[];
  /** recorded, but the policy would not decide them */
  onlyRecorded: DiffEntry[];
  /** both; `decidedAtDeltaMs` = replayed - recorded */
  both: Array<DiffEntry & { decidedAtDeltaMs: number; modeChanged: boolean }>;
  /** decision ids present on both sides (same inputs and policy give the same id) */
  sameDecisionIds: number;
  replayedDecisions: number;
  recordedDecisions: number;
}

function entries(decisions: readonly RollbackDecision[]): Map<string, DiffEntry> {
  const out = new Map<string, DiffEntry>();
  for (const d of [...decisions].sort((a, b) => a.decidedAt - b.decidedAt))
    for (const tenantId of d.tenantIds) {
      const key = `${d.rolloutId}\u0000${d.action}\u0000${tenantId}`;
      if (!out.has(key))
        out.set(key, {
          rolloutId: d.rolloutId,
          action: d.action,
          tenantId,
          decidedAt: d.decidedAt,
          mode: d.mode,
        });
    }
  return out;
}

const order = (a: DiffEntry, b: DiffEntry): number =>
  a.decidedAt - b.decidedAt ||
  (a.rolloutId + a.tenantId + a.action < b.rolloutId + b.tenantId + b.action ? -1 : 1);

export function diffDecisions(
  recorded: readonly RollbackDecision[],
  replayed: readonly RollbackDecision[],
): DecisionDiff {
  const rec = entries(recorded);
  const rep = entries(replayed);
  const recIds = new Set(recorded.map((d) => d.decisionId));
  const both: DecisionDiff['both'] = [];
  const onlyReplayed: DiffEntry[] = [];
  for (const [key, e] of rep) {
    const r = rec.get(key);
    if (r === undefined) onlyReplayed.push(e);
    else both.push({ ...e, decidedAtDeltaMs: e.decidedAt - r.decidedAt, modeChanged: e.mode !== r.mode });
  }
  return {
    onlyReplayed: onlyReplayed.sort(order),
    onlyRecorded: [...rec]
      .filter(([key]) => !rep.has(key))
      .map(([, e]) => e)
      .sort(order),
    both: both.sort(order),
    sameDecisionIds: new Set(replayed.filter((d) => recIds.has(d.decisionId)).map((d) => d.decisionId)).size,
    replayedDecisions: new Set(replayed.map((d) => d.decisionId)).size,
    recordedDecisions: recIds.size,
  };
}
