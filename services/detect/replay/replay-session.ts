/**
 * The in-process composition of the detection core, on event time: inputs in file order → stage 1 per
 * tenant → signal snapshots → stage 2 per rollout → decisions. Used by `backtrack replay` and by the
 * scenario tests. No I/O and no clock; the same inputs give the same decisions in the same order.
 *
 * Stream time is the largest event time seen (telemetry and eval). Each time it passes the close point
 * of another sub-window (its end plus the allowed lateness), every tenant's due windows are closed, the
 * snapshots ordered by (windowEnd, tenant first seen) and assessed by their rollout; since every tenant
 * closes at the same stream time, a window is then complete and each rollout that received snapshots
 * finalizes it (breadth, pooled detection, escalation) right away.
 *
 * The session is its two halves back to back (./stage-one-session.ts, ./stage-two-session.ts), which
 * `backtrack replay` may also run on two threads with the same result.
 */
import type { RollbackDecision } from '../../../schemas/types.ts';
import type { ParsedLine } from './parse-input-line.ts';
import type { ReplayStages } from './replay-stages.ts';
import { SummaryCounter, type ReplaySummary } from './replay-summary.ts';
import { StageOneSession } from './stage-one-session.ts';
import { StageTwoSession, type ReplayObservers } from './stage-two-session.ts';
import type { StageEvent } from './stage-events.ts';

export type { ReplayObservers } from './stage-two-session.ts';

export class ReplaySession<TenantState, RolloutState> {
  private readonly counter = new SummaryCounter();
  private readonly one: StageOneSession<TenantState>;
  private readonly two: StageTwoSession<RolloutState>;
  private decided: RollbackDecision[] = [];
  private finished = false;

  constructor(stages: ReplayStages<TenantState, RolloutState>, observers: ReplayObservers = {}) {
    this.two = new StageTwoSession(stages, observers, this.counter);
    this.one = new StageOneSession(stages, (e) => this.onEvent(e), this.counter);
  }

  /** Feeds one decoded line; returns the decisions it caused (usually none). */
  push(line: ParsedLine): RollbackDecision[] {
    if (this.finished) throw new Error('ReplaySession: push after finish');
    this.one.push(line);
    return this.take();
  }

  /**
   * End of input: closes every sub-window up to the one holding the newest event (not the trailing
   * windows that would only slide past the data), lets stage 2 finish each rollout, and returns the
   * decisions that causes.
   */
  finish(): RollbackDecision[] {
    this.finished = true;
    this.one.finish();
    return this.take();
  }

  summary(): ReplaySummary {
    return this.counter.toSummary();
  }

  /** Tier of a tenant as its first telemetry event gave it; `unknown` before that. */
  tierOf(tenantId: string): string {
    return this.one.tierOf(tenantId);
  }

  private onEvent(event: StageEvent): void {
    for (const d of this.two.apply(event)) this.decided.push(d);
  }

  private take(): RollbackDecision[] {
    if (this.decided.length === 0) return [];
    const d = this.decided;
    this.decided = [];
    return d;
  }
}
