/**
 * Stage 2 of detection, live: one processor per alert.signals.v1 partition, with the
 * deploy.rollouts.v1 partition of the same number (both keyed by rolloutId, so a rollout's snapshots
 * and commands meet here). Rollout commands go straight to the rollout's state. Snapshots wait in the
 * reorder buffer until their rollout's window is complete; then every tenant's snapshot of it is
 * assessed (ALERT scores to alert.scores.v1) and the rollout's window finalized (breadth, escalation:
 * decisions to rollback.decisions.v1), exactly as replay hands them over.
 *
 * Completeness: the snapshots of one window come from every signals partition, each closing it when
 * its own stream time passes; partitions run at different paces. A window is decided as soon as every
 * tenant expected to feed it has delivered it or a later window (window-progress.ts), on the snapshot
 * that completes it; a tenant whose candidate traffic ended sends a marker for the first window it has
 * nothing for (`candidateTrafficEnded`), which counts as delivered. A window still incomplete `holdMs`
 * of wall-clock time after it was first seen (a marker lost in a restart, a stalled signals partition)
 * is decided then, with whatever arrived. A snapshot arriving after its window
 * was decided is still scored (counted `late`) and weighs in from the rollout's next window on.
 *
 * State: per rollout, one store key for the rollout and one per tenant (rollout-state-store.ts).
 */
import type { AlertScore, RollbackDecision, SignalSnapshot } from '../../schemas/types.ts';
import { stateStores } from '../../topology/topics.ts';
import type { Processor, RecordOf } from '../core/processor.ts';
import type { ProcessorContext } from '../core/processor-context.ts';
import {
  assessSnapshot,
  finalizeWindow,
  initialRolloutState,
  observeRolloutCommand,
  type RolloutState,
  ALERT_FIELDS,
} from '../detect/decide/index.ts';
import type { Policy } from '../detect/policy/index.ts';
import { boundedLabel } from '../core/metrics.ts';
import { triggerMetrics, type TriggerMetrics } from './metrics.ts';
import { PendingSnapshots } from './pending-snapshots.ts';
import { RolloutStateStore } from './rollout-state-store.ts';
import { WindowProgress } from './window-progress.ts';

export type TriggerInput = 'signals' | 'rollouts';

/** The store of rollout states and pending snapshots (its changelog is declared in topology/topics.ts). */
export const ROLLOUT_STORE = stateStores.trigger.store;

export interface TriggerProcessorOptions {
  readonly policy: Policy;
  /** Wall-clock ms an incomplete window waits for the snapshots of quiet tenants (default 3 000). */
  readonly holdMs?: number;
  /** Wall-clock ms between checks for windows held too long (default 1 000). */
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
  #rollouts!: RolloutStateStore;
  #pending!: PendingSnapshots;
  readonly #progress = new Map<string, WindowProgress>();
  /** `${rolloutId}/${windowEnd}` pending → wall-clock time of the first check that saw it, epoch ms. */
  readonly #firstSeen = new Map<string, number>();

  constructor(private readonly options: TriggerProcessorOptions) {
    this.#policy = options.policy;
    this.#holdMs = options.holdMs ?? 3_000;
    this.#tiers = new Set(Object.keys(options.policy.tiers));
  }

  async init(ctx: ProcessorContext): Promise<void> {
    this.#ctx = ctx;
    this.#metrics = triggerMetrics(ctx.metrics);
    const store = ctx.store(ROLLOUT_STORE);
    this.#rollouts = new RolloutStateStore(store, this.options.cacheRollouts ?? 1_000);
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
    if (s.candidateTrafficEnded) {
      // a marker, not aggregates: the tenant has nothing for this window (nor after it)
      this.#metrics.snapshots.inc({ arrival: 'ended' });
      if (s.windowEnd <= state.finalizedWindowEnd) return;
      this.#progressOf(s.rolloutId).ended(s.tenantId, s.windowEnd);
      await this.#decideComplete(state);
      return;
    }
    if (s.windowEnd <= state.finalizedWindowEnd) {
      this.#metrics.snapshots.inc({ arrival: 'late' });
      const late = assessSnapshot(state, s, this.#policy);
      this.#rollouts.set(s.rolloutId, state);
      this.#emit(late.scores, late.decisions);
      return;
    }
    this.#metrics.snapshots.inc({ arrival: 'on_time' });
    this.#progressOf(s.rolloutId).observe(s.tenantId, s.windowEnd);
    await this.#pending.add(s);
    await this.#decideComplete(state);
  }

  /** Decides the rollout's oldest pending windows while each is complete. */
  async #decideComplete(state: RolloutState): Promise<void> {
    const progress = this.#progressOf(state.rolloutId);
    for (const w of this.#pending.windowsOf(state.rolloutId)) {
      if (!progress.isComplete(w, () => Object.keys(state.tenants))) return;
      await this.#decideWindow(state, w, 'complete');
    }
  }

  /** Decides every window held for `holdMs` (and any older one of its rollout still pending). */
  async #releaseHeld(nowMs: number): Promise<void> {
    for (const rolloutId of this.#pending.rollouts()) {
      let upTo = -Infinity;
      for (const w of this.#pending.windowsOf(rolloutId)) {
        const key = `${rolloutId}/${w}`;
        const seen = this.#firstSeen.get(key);
        if (seen === undefined) this.#firstSeen.set(key, nowMs);
        else if (nowMs - seen >= this.#holdMs) upTo = w;
      }
      if (upTo === -Infinity) continue;
      const state = await this.#rollout(rolloutId);
      for (const w of this.#pending.windowsOf(rolloutId))
        if (w <= upTo) await this.#decideWindow(state, w, 'held');
      await this.#decideComplete(state);
    }
    this.#gauge();
  }

  /** One window of a rollout, ordered by tenantId: assess each snapshot, then finalize the rollout. */
  async #decideWindow(state: RolloutState, windowEnd: number, why: 'complete' | 'held'): Promise<void> {
    const snapshots = await this.#pending.take(state.rolloutId, windowEnd);
    this.#metrics.windows.inc({ decided: why });
    this.#firstSeen.delete(`${state.rolloutId}/${windowEnd}`);
    this.#progressOf(state.rolloutId).decided(windowEnd);
    for (const s of snapshots) {
      const assessed = assessSnapshot(state, s, this.#policy);
      this.#emit(assessed.scores, assessed.decisions);
    }
    this.#emit([], finalizeWindow(state, this.#policy));
    this.#rollouts.set(state.rolloutId, state);
  }

  #emit(scores: readonly AlertScore[], decisions: readonly RollbackDecision[]): void {
    for (const score of scores) {
      this.#ctx.forward('scores', score.rolloutId, score);
      const tier = boundedLabel(score.tenantTier, this.#tiers);
      this.#metrics.scores.inc({ tier, verdict: score.verdict });
      for (const component of ALERT_FIELDS)
        this.#metrics.alertComponents.observe({ component, tier }, score[component]);
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

  #progressOf(rolloutId: string): WindowProgress {
    let p = this.#progress.get(rolloutId);
    if (p === undefined) this.#progress.set(rolloutId, (p = new WindowProgress()));
    return p;
  }

  #gauge(): void {
    this.#metrics.pending.set({ partition: String(this.#ctx.partition) }, this.#pending.size);
  }
}
