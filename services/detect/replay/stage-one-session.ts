/**
 * The stage 1 half of a replay session: inputs in file order → tenant states → snapshots. Owns stream
 * time, the close points, the rollout directory and the counts of inputs; hands everything stage 2
 * needs to `emit` as StageEvents, in the order the single-threaded session would have used them.
 */
import type { SignalSnapshot } from '../../../schemas/types.ts';
import type { ParsedLine } from './parse-input-line.ts';
import type { ObserveVerdict, ReplayStages, RolloutIdFor } from './replay-stages.ts';
import { SummaryCounter } from './replay-summary.ts';
import { emptyRolloutDirectory, registerRolloutCommand, resolveRolloutId } from './rollout-resolver.ts';
import type { NewTiers, StageEvent } from './stage-events.ts';

export type StageOneStages<T> = Pick<
  ReplayStages<T, unknown>,
  | 'subWindowMs'
  | 'allowedLatenessMs'
  | 'advanceStreamTime'
  | 'initialTenantState'
  | 'observeTelemetry'
  | 'observeEval'
  | 'closeWindows'
>;

export class StageOneSession<TenantState> {
  private readonly tenants = new Map<string, TenantState>();
  private readonly tiers = new Map<string, string>();
  private newTiers: NewTiers = [];
  private readonly directory = emptyRolloutDirectory();
  private readonly rolloutIdFor: RolloutIdFor;
  private streamTimeMs = -Infinity;
  private nextCloseMs = -Infinity;
  private finished = false;

  /** `counter`: receives the stage 1 counts (records … future, event-time span). */
  constructor(
    private readonly stages: StageOneStages<TenantState>,
    private readonly emit: (event: StageEvent) => void,
    readonly counter: SummaryCounter = new SummaryCounter(),
  ) {
    this.rolloutIdFor = (candidate, baseline) => resolveRolloutId(this.directory, candidate, baseline);
  }

  push(line: ParsedLine): void {
    if (this.finished) throw new Error('StageOneSession: push after finish');
    const c = this.counter;
    switch (line.type) {
      case 'blank':
        return;
      case 'invalid':
        c.records += 1;
        c.invalid += 1;
        return;
      case 'rollout':
        c.records += 1;
        c.rolloutCommands += 1;
        registerRolloutCommand(this.directory, line.command);
        this.emit({ kind: 'rollout', command: line.command });
        return;
      case 'telemetry': {
        c.records += 1;
        c.telemetry += 1;
        const e = line.event;
        if (!this.tiers.has(e.tenantId)) {
          this.tiers.set(e.tenantId, e.tenantTier);
          this.newTiers.push([e.tenantId, e.tenantTier]);
        }
        this.advance(
          e.timestamp,
          this.stages.observeTelemetry(this.tenant(e.tenantId), e, this.streamTimeMs),
        );
        return;
      }
      case 'eval': {
        c.records += 1;
        c.evals += 1;
        const e = line.event;
        this.advance(e.timestamp, this.stages.observeEval(this.tenant(e.tenantId), e, this.streamTimeMs));
        return;
      }
    }
  }

  /** End of input: closes every sub-window up to the one holding the newest event. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.streamTimeMs === -Infinity) return;
    const { subWindowMs, allowedLatenessMs } = this.stages;
    const lastEnd = (Math.floor(this.streamTimeMs / subWindowMs) + 1) * subWindowMs;
    const snapshots = this.closeAll(lastEnd + allowedLatenessMs);
    this.emit({ kind: 'finish', snapshots, tiers: this.takeTiers() });
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

  private advance(eventTimeMs: number, verdict: ObserveVerdict): void {
    const c = this.counter;
    if (verdict === 'future') {
      c.future += 1;
      return;
    }
    if (verdict === 'duplicate') c.duplicates += 1;
    else if (verdict === 'late') c.late += 1;
    c.seeTime(eventTimeMs);
    const t = this.stages.advanceStreamTime(this.streamTimeMs, eventTimeMs);
    if (t === this.streamTimeMs) return;
    this.streamTimeMs = t;
    if (t < this.nextCloseMs) return;
    const { subWindowMs, allowedLatenessMs } = this.stages;
    this.nextCloseMs =
      (Math.floor((t - allowedLatenessMs) / subWindowMs) + 1) * subWindowMs + allowedLatenessMs;
    const snapshots = this.closeAll(t);
    if (snapshots.length > 0) this.emit({ kind: 'close', snapshots, tiers: this.takeTiers() });
  }

  private closeAll(streamTimeMs: number): SignalSnapshot[] {
    const snapshots: SignalSnapshot[] = [];
    for (const state of this.tenants.values()) {
      for (const s of this.stages.closeWindows(state, streamTimeMs, this.rolloutIdFor)) snapshots.push(s);
    }
    return snapshots.sort((a, b) => a.windowEnd - b.windowEnd);
  }

  private takeTiers(): NewTiers {
    const t = this.newTiers;
    this.newTiers = [];
    return t;
  }
}
