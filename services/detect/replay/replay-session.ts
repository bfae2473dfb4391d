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
 */
import type { AlertScore, RollbackDecision, RolloutCommand, SignalSnapshot } from '../../../schemas/types.ts';
import type { ParsedLine } from './parse-input-line.ts';
import type { ObserveVerdict, ReplayStages, RolloutIdFor } from './replay-stages.ts';
import { emptyRolloutDirectory, registerRolloutCommand, resolveRolloutId } from './rollout-resolver.ts';
import { SummaryCounter, type ReplaySummary } from './replay-summary.ts';

/** Optional observers of intermediate results, for diagnostics. */
export interface ReplayObservers {
  onSnapshot?(snapshot: SignalSnapshot): void;
  onScore?(score: AlertScore): void;
}

export class ReplaySession<TenantState, RolloutState> {
  private readonly tenants = new Map<string, TenantState>();
  private readonly tiers = new Map<string, string>();
  private readonly rollouts = new Map<string, RolloutState>();
  private readonly directory = emptyRolloutDirectory();
  private readonly counter = new SummaryCounter();
  private readonly rolloutIdFor: RolloutIdFor;
  private streamTimeMs = -Infinity;
  private nextCloseMs = -Infinity;
  private finished = false;

  constructor(
    private readonly stages: ReplayStages<TenantState, RolloutState>,
    private readonly observers: ReplayObservers = {},
  ) {
    this.rolloutIdFor = (candidate, baseline) => resolveRolloutId(this.directory, candidate, baseline);
  }

  /** Feeds one decoded line; returns the decisions it caused (usually none). */
  push(line: ParsedLine): RollbackDecision[] {
    if (this.finished) throw new Error('ReplaySession: push after finish');
    switch (line.type) {
      case 'blank':
        return [];
      case 'invalid':
        this.counter.records += 1;
        this.counter.invalid += 1;
        return [];
      case 'rollout':
        this.counter.records += 1;
        this.counter.rolloutCommands += 1;
        this.applyRolloutCommand(line.command);
        return [];
      case 'telemetry': {
        this.counter.records += 1;
        this.counter.telemetry += 1;
        const e = line.event;
        if (!this.tiers.has(e.tenantId)) this.tiers.set(e.tenantId, e.tenantTier);
        return this.advance(
          e.timestamp,
          this.stages.observeTelemetry(this.tenant(e.tenantId), e, this.streamTimeMs),
        );
      }
      case 'eval': {
        this.counter.records += 1;
        this.counter.evals += 1;
        const e = line.event;
        return this.advance(
          e.timestamp,
          this.stages.observeEval(this.tenant(e.tenantId), e, this.streamTimeMs),
        );
      }
    }
  }

  /**
   * End of input: closes every sub-window up to the one holding the newest event (not the trailing
   * windows that would only slide past the data), lets stage 2 finish each rollout, and returns the
   * decisions that causes.
   */
  finish(): RollbackDecision[] {
    if (this.finished) return [];
    this.finished = true;
    if (this.streamTimeMs === -Infinity) return [];
    const { subWindowMs, allowedLatenessMs } = this.stages;
    const lastEnd = (Math.floor(this.streamTimeMs / subWindowMs) + 1) * subWindowMs;
    const decisions = this.closeAll(lastEnd + allowedLatenessMs);
    for (const state of this.rollouts.values()) this.collect(this.stages.finalizeWindow(state), decisions);
    return decisions;
  }

  summary(): ReplaySummary {
    return this.counter.toSummary();
  }

  /** Tier of a tenant as its first telemetry event gave it; `unknown` before that. */
  tierOf(tenantId: string): string {
    return this.tiers.get(tenantId) ?? 'unknown';
  }

  private tenant(tenantId: string): TenantState {
    const s = this.tenants.get(tenantId);
    if (s !== undefined) return s;
    const fresh = this.stages.initialTenantState(tenantId);
    this.tenants.set(tenantId, fresh);
    return fresh;
  }

  private rollout(rolloutId: string): RolloutState {
    const s = this.rollouts.get(rolloutId);
    if (s !== undefined) return s;
    this.counter.rollouts.add(rolloutId);
    const fresh = this.stages.initialRolloutState(rolloutId);
    this.rollouts.set(rolloutId, fresh);
    return fresh;
  }

  private applyRolloutCommand(cmd: RolloutCommand): void {
    registerRolloutCommand(this.directory, cmd);
    this.stages.observeRolloutCommand(this.rollout(cmd.rolloutId), cmd);
  }

  private advance(eventTimeMs: number, verdict: ObserveVerdict): RollbackDecision[] {
    if (verdict === 'future') {
      this.counter.future += 1;
      return [];
    }
    if (verdict === 'duplicate') this.counter.duplicates += 1;
    else if (verdict === 'late') this.counter.late += 1;
    this.counter.seeTime(eventTimeMs);
    const t = this.stages.advanceStreamTime(this.streamTimeMs, eventTimeMs);
    if (t === this.streamTimeMs) return [];
    this.streamTimeMs = t;
    if (t < this.nextCloseMs) return [];
    const { subWindowMs, allowedLatenessMs } = this.stages;
    this.nextCloseMs =
      (Math.floor((t - allowedLatenessMs) / subWindowMs) + 1) * subWindowMs + allowedLatenessMs;
    return this.closeAll(t);
  }

  private closeAll(streamTimeMs: number): RollbackDecision[] {
    const snapshots: SignalSnapshot[] = [];
    for (const state of this.tenants.values()) {
      for (const s of this.stages.closeWindows(state, streamTimeMs, this.rolloutIdFor)) snapshots.push(s);
    }
    snapshots.sort((a, b) => a.windowEnd - b.windowEnd);
    const decisions: RollbackDecision[] = [];
    const touched = new Set<string>();
    for (const snapshot of snapshots) {
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
      this.counter.seeDecision(d, (t) => this.tierOf(t));
      into.push(d);
    }
  }
}
