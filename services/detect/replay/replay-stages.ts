/**
 * The two detection stages as the replay composes them, with their parameters bound. The default
 * binding to services/detect/aggregate and services/detect/decide is in ./detect-stages.ts; tests may
 * bind fakes to exercise the composition alone.
 */
import type {
  AlertScore,
  EvalEvent,
  RollbackDecision,
  RolloutCommand,
  SignalSnapshot,
  TelemetryEvent,
} from '../../../schemas/types.ts';

/** Stage 1's verdict on one event: counted and dropped unless accepted. */
export type ObserveVerdict = 'accepted' | 'duplicate' | 'late' | 'future';

/** Maps a (candidate, baseline) bundle pair seen in a tenant's traffic to the rollout it belongs to. */
export type RolloutIdFor = (candidateBundleId: string, baselineBundleId: string) => string;

/**
 * Stage 1, keyed by tenant, and stage 2, keyed by rollout, with their parameters bound. Stage 1
 * mutates the tenant state it is given (one owner: the replay session); times are event time, ms.
 */
export interface ReplayStages<TenantState, RolloutState> {
  /** Sub-window length: windows close at multiples of it. */
  readonly subWindowMs: number;
  /** A sub-window [start, end) closes when stream time >= end + allowedLatenessMs. */
  readonly allowedLatenessMs: number;
  /** Stream time after an event at `timestampMs` (the max event time, ignoring absurd future times). */
  advanceStreamTime(streamTimeMs: number, timestampMs: number): number;
  initialTenantState(tenantId: string): TenantState;
  /** `streamTimeMs` is the stream time before the event. */
  observeTelemetry(state: TenantState, event: TelemetryEvent, streamTimeMs: number): ObserveVerdict;
  observeEval(state: TenantState, event: EvalEvent, streamTimeMs: number): ObserveVerdict;
  /** Closes every sub-window of the tenant that stream time has passed; snapshots ascending by windowEnd. */
  closeWindows(state: TenantState, streamTimeMs: number, rolloutIdFor: RolloutIdFor): SignalSnapshot[];
  initialRolloutState(rolloutId: string): RolloutState;
  /** Applies an operator's command to the rollout's state (in place). */
  observeRolloutCommand(state: RolloutState, command: RolloutCommand): void;
  /** Scores one tenant snapshot of the rollout (state updated in place) and returns what it decided. */
  assessSnapshot(state: RolloutState, snapshot: SignalSnapshot): StageTwoVerdict;
  /**
   * Evaluates the rollout-level decisions of the newest window assessed (idempotent). The session calls
   * it once every snapshot of a window has been assessed, and at end of input.
   */
  finalizeWindow(state: RolloutState): RollbackDecision[];
}

/** Stage 2's output for one snapshot. */
export interface StageTwoVerdict {
  scores: AlertScore[];
  decisions: RollbackDecision[];
}
