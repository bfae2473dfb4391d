/**
 * What the replay's stage 1 half hands its stage 2 half, in input order: rollout commands where they
 * appear, the snapshots of each close point (already ordered by windowEnd, then tenant first seen) and
 * the end of input. Plain data, so the halves may run on different threads (structured clone).
 */
import type { RolloutCommand, SignalSnapshot } from '../../../schemas/types.ts';
import type { SummaryCounter } from './replay-summary.ts';

/** Tenants seen with their tier since the previous close, as [tenantId, tier] in first-seen order. */
export type NewTiers = Array<[string, string]>;

export type StageEvent =
  | { kind: 'rollout'; command: RolloutCommand }
  /** a close point with at least one snapshot: assess them, then finalize the rollouts they touched */
  | { kind: 'close'; snapshots: SignalSnapshot[]; tiers: NewTiers }
  /** end of input after some event: the last close, then every rollout finalizes */
  | { kind: 'finish'; snapshots: SignalSnapshot[]; tiers: NewTiers };

/** The summary counts stage 1 owns (input kinds, stage 1 verdicts, event-time span; times epoch ms). */
export interface StageOneCounts {
  records: number;
  telemetry: number;
  evals: number;
  rolloutCommands: number;
  invalid: number;
  duplicates: number;
  late: number;
  future: number;
  minTime: number;
  maxTime: number;
}

export function stageOneCountsOf(c: SummaryCounter): StageOneCounts {
  const { records, telemetry, evals, rolloutCommands, invalid, duplicates, late, future, minTime, maxTime } =
    c;
  return { records, telemetry, evals, rolloutCommands, invalid, duplicates, late, future, minTime, maxTime };
}

/** Copies stage 1's counts into the counter stage 2 keeps, which owns the rest of the summary. */
export function applyStageOneCounts(into: SummaryCounter, counts: StageOneCounts): void {
  Object.assign(into, counts);
}
