/**
 * The stage 2 half of a replay session: StageEvents in the order stage 1 emitted them → rollout states
 * → decisions. Each close point's snapshots are assessed in the order given, then every rollout they
 * touched finalizes the window; at the end every rollout finalizes. Owns the snapshot, score, rollout
 * and decision counts of the summary.
 */
import type { AlertScore, RollbackDecision, SignalSnapshot } from '../../../schemas/types.ts';
import type { ReplayStages } from './replay-stages.ts';
import { SummaryCounter } from './replay-summary.ts';
import type { NewTiers, StageEvent } from './stage-events.ts';

/** Optional observers of intermediate results, for diagnostics. */
export interface ReplayObservers {
  onSnapshot?(snapshot: SignalSnapshot): void;
  onScore?(score: AlertScore): void;
}

export type StageTwoStages<R> = Pick<
  ReplayStages<unknown, R>,
  'initialRolloutState' | 'observeRolloutCommand' | 'assessSnapshot' | 'finalizeWindow'
>;

export class StageTwoSession<RolloutState> {
  private readonly rollouts = new Map<string, RolloutState>();
  private readonly tiers = new Map<string, string>();
  private readonly tierOf = (tenantId: string): string => this.tiers.get(tenantId) ?? 'unknown';

  /** `counter`: receives the stage 2 counts (snapshots, scores, rollouts, decisions). */
  constructor(
    private readonly stages: StageTwoStages<RolloutState>,
    private readonly observers: ReplayObservers = {},
    readonly counter: SummaryCounter = new SummaryCounter(),
  ) {}

  /** Applies one event; returns the decisions it caused, in decision order. */
  apply(event: StageEvent): RollbackDecision[] {
    switch (event.kind) {
      case 'rollout':
        this.stages.observeRolloutCommand(this.rollout(event.command.rolloutId), event.command);
        return [];
      case 'close':
        return this.close(event.snapshots, event.tiers);
      case 'finish': {
        const decisions = this.close(event.snapshots, event.tiers);
        for (const state of this.rollouts.values())
          this.collect(this.stages.finalizeWindow(state), decisions);
        return decisions;
      }
    }
  }

  private rollout(rolloutId: string): RolloutState {
    const s = this.rollouts.get(rolloutId);
    if (s !== undefined) return s;
    this.counter.rollouts.add(rolloutId);
    const fresh = this.stages.initialRolloutState(rolloutId);
    this.rollouts.set(rolloutId, fresh);
    return fresh;
  }

  private close(snapshots: SignalSnapshot[], tiers: NewTiers): RollbackDecision[] {
    for (const [tenantId, tier] of tiers) this.tiers.set(tenantId, tier);
    const decisions: RollbackDecision[] = [];
    const touched = new Set<string>();
    for (const snapshot of snapshots) {
      // Every tenant closes at the same stream time here, so the window is complete without markers.
      if (snapshot.candidateTrafficEnded) continue;
      this.counter.snapshots += 1;
      this.observers.onSnapshot?.(snapshot);
      touched.add(snapshot.rolloutId);
      const verdict = this.stages.assessSnapshot(this.rollout(snapshot.rolloutId), snapshot);
      this.counter.scores += verdict.scores.length;
      if (this.observers.onScore) for (const s of verdict.scores) this.observers.onScore(s);
      this.collect(verdict.decisions, decisions);
    }
    for (const rolloutId of touched)
      this.collect(this.stages.finalizeWindow(this.rollout(rolloutId)), decisions);
    return decisions;
  }

  private collect(found: RollbackDecision[], into: RollbackDecision[]): void {
    for (const d of found) {
      this.counter.seeDecision(d, this.tierOf);
      into.push(d);
    }
  }
}
