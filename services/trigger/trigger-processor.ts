/**
 * Stage 2 of detection, live: one processor per alert.signals.v1 partition, with the
 * deploy.rollouts.v1 partition of the same number (both keyed by rolloutId, so a rollout's snapshots
 * and commands meet here). Rollout commands go straight to the rollout's state. Snapshots wait in the
 * reorder buffer until their window is complete; then, window by window and rollout by rollout, every
 * tenant's snapshot is assessed (ALERT scores to alert.scores.v1) and the rollout's window finalized
 * (breadth, escalation: decisions to rollback.decisions.v1), exactly as replay hands them over.
 *
 * Completeness: the snapshots of one window come from every signals partition, each closing it when
 * its own stream time passes; partitions run at different paces (a catching-up partition emits an
 * hour of windows in one batch). A window is taken as complete `holdMs` of wall-clock time after its
 * first snapshot arrived — the skew the trigger tolerates between signals partitions. A snapshot
 * arriving after its window was decided is still scored (counted `late`) and weighs in from the
 * rollout's next window on. Exact completeness would need per-partition watermarks from signals.
 */
import type { AlertScore, RollbackDecision, SignalSnapshot } from '../../schemas/types.ts';
import { stateStores } from '../../topology/topics.ts';
import type { Processor, RecordOf } from '../core/processor.ts';
import type { ProcessorContext } from '../core/processor-context.ts';
import { ObjectCache } from '../core/stores/object-cache.ts';
import type { Serde } from '../core/stores/serde.ts';
import {
  assessSnapshot,
  decodeRolloutState,
  encodeRolloutState,
  finalizeWindow,
  initialRolloutState,
  observeRolloutCommand,
  type RolloutState,
} from '../detect/decide/index.ts';
import type { Policy } from '../detect/policy/index.ts';
import { boundedLabel } from '../core/metrics.ts';
import { triggerMetrics, type TriggerMetrics } from './metrics.ts';
import { PendingSnapshots } from './pending-snapshots.ts';

export type TriggerInput = 'signals' | 'rollouts';

/** The store of rollout states and pending snapshots (its changelog is declared in topology/topics.ts). */
export const ROLLOUT_STORE = stateStores.trigger.store;

const ROLLOUT_PREFIX = 'r/';
export const rolloutStateSerde: Serde<RolloutState> = {
  serialize: encodeRolloutState,
  deserialize: decodeRolloutState,
};
const rolloutKeys: Serde<string> = {
  serialize: (id) => Buffer.from(ROLLOUT_PREFIX + id, 'utf8'),
  deserialize: (b) => b.toString('utf8').slice(ROLLOUT_PREFIX.length),
};

export interface TriggerProcessorOptions {
  readonly policy: Policy;
  /** Wall-clock ms a window waits for the snapshots of slower signals partitions (default 3 000). */
  readonly holdMs?: number;
  /** Wall-clock ms between checks for complete windows (default 1 000). */
  readonly tickMs?: number;
  /** Decoded rollout states cached per partition (default 1 000). */
  readonly cacheRollouts?: number;
}

export class TriggerProcessor implements Processor<TriggerInput> {
  readonly #policy: Policy;
  readonly #holdMs: number;
  readonly #tiers: ReadonlySet<string>;
  #ctx!: ProcessorContext;
  #metrics!: TriggerMetrics;
  #rollouts!: ObjectCache<RolloutState>;
  #pending!: PendingSnapshots;
  /** Pending windowEnd → wall-clock time of the first check that saw it, epoch ms. */
  readonly #firstSeen = new Map<number, number>();

  constructor(private readonly options: TriggerProcessorOptions) {
    this.#policy = options.policy;
    this.#holdMs = options.holdMs ?? 3_000;
    this.#tiers = new Set(Object.keys(options.policy.tiers));
  }

  async init(ctx: ProcessorContext): Promise<void> {
    this.#ctx = ctx;
    this.#metrics = triggerMetrics(ctx.metrics);
    const store = ctx.store(ROLLOUT_STORE);
    this.#rollouts = new ObjectCache(
      store,
      rolloutKeys,
      rolloutStateSerde,
      this.options.cacheRollouts ?? 1_000,
    );
    this.#pending = new PendingSnapshots(store);
    const held = await this.#pending.load();
    if (held > 0) ctx.logger.info({ pending: held }, 'pending snapshots restored');
    this.#gauge();
    ctx.schedule(this.options.tickMs ?? 1_000, 'wall-clock', (now) => this.#releaseHeld(now));
  }

  async process(record: RecordOf<TriggerInput>): Promise<void> {
    if (record.topic === 'rollouts') {
      const command = record.value;
      const state = await this.#rollout(command.rolloutId);
      observeRolloutCommand(state, command);
      this.#rollouts.set(command.rolloutId, state);
      this.#metrics.rolloutCommands.inc({ action: command.action });
      return;
    }
    await this.#onSnapshot(record.value);
  }

  async flush(): Promise<void> {
    await this.#rollouts.flush();
    this.#gauge();
  }

  close(): void {
    this.#metrics.pending.remove({ partition: String(this.#ctx.partition) });
  }

  async #onSnapshot(s: SignalSnapshot): Promise<void> {
    const state = await this.#rollout(s.rolloutId);
    if (s.windowEnd <= state.finalizedWindowEnd) {
      this.#metrics.snapshots.inc({ arrival: 'late' });
      const late = assessSnapshot(state, s, this.#policy);
      this.#rollouts.set(s.rolloutId, state);
      this.#emit(late.scores, late.decisions);
      return;
    }
    this.#metrics.snapshots.inc({ arrival: 'on_time' });
    await this.#pending.add(s);
  }

  /** Decides every window held for `holdMs` (and any older one still pending). */
  async #releaseHeld(nowMs: number): Promise<void> {
    let upTo = -Infinity;
    for (const w of this.#pending.windows()) {
      const seen = this.#firstSeen.get(w);
      if (seen === undefined) this.#firstSeen.set(w, nowMs);
      else if (nowMs - seen >= this.#holdMs) upTo = Math.max(upTo, w);
    }
    if (upTo === -Infinity) return;
    for (const window of await this.#pending.takeUpTo(upTo)) {
      this.#firstSeen.delete(window[0]!.windowEnd);
      await this.#decideWindow(window);
    }
    this.#gauge();
  }

  /** One complete window, ordered by (rolloutId, tenantId): assess each snapshot, then finalize each rollout. */
  async #decideWindow(snapshots: readonly SignalSnapshot[]): Promise<void> {
    let state: RolloutState | undefined;
    for (const s of snapshots) {
      if (state?.rolloutId !== s.rolloutId) {
        if (state !== undefined) this.#finalize(state);
        state = await this.#rollout(s.rolloutId);
      }
      const assessed = assessSnapshot(state, s, this.#policy);
      this.#emit(assessed.scores, assessed.decisions);
    }
    if (state !== undefined) this.#finalize(state);
  }

  #finalize(state: RolloutState): void {
    this.#emit([], finalizeWindow(state, this.#policy));
    this.#rollouts.set(state.rolloutId, state);
  }

  #emit(scores: readonly AlertScore[], decisions: readonly RollbackDecision[]): void {
    for (const score of scores) {
      this.#ctx.forward('scores', score.rolloutId, score);
      this.#metrics.scores.inc({ tier: boundedLabel(score.tenantTier, this.#tiers), verdict: score.verdict });
    }
    for (const d of decisions) {
      this.#ctx.forward('decisions', d.rolloutId, d);
      this.#metrics.decisions.inc({ action: d.action, mode: d.mode });
      this.#ctx.logger.info(
        {
          decisionId: d.decisionId,
          rolloutId: d.rolloutId,
          action: d.action,
          mode: d.mode,
          tenants: d.tenantIds.length,
        },
        'decision',
      );
    }
  }

  async #rollout(rolloutId: string): Promise<RolloutState> {
    return (await this.#rollouts.get(rolloutId)) ?? initialRolloutState(rolloutId);
  }

  #gauge(): void {
    this.#metrics.pending.set({ partition: String(this.#ctx.partition) }, this.#pending.size);
  }
}
