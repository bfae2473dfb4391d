/**
 * Stage 1 of detection, live: one processor per telemetry partition (with the eval partition of the
 * same number). Each event is folded into its tenant's windowed state; whenever the partition's stream
 * time passes the close point of another sub-window, the due windows of every tenant with state are
 * closed and their SignalSnapshots forwarded to alert.signals.v1 keyed by rolloutId (the repartition
 * towards trigger). The same calls, in the same order, as replay's session (replay-session.ts).
 *
 * Stream time is the processor's own, advanced by the detection core's `advanceStreamTime`, which
 * ignores events stamped absurdly far ahead (`future`): the runtime's stream time would follow such an
 * event and stop every stream-time punctuator until real time caught up. Unlike replay, only telemetry
 * advances it: the runtime hands over the telemetry and eval partitions batch by batch, not merged by
 * time, so after a backlog an eval batch hours ahead would make the telemetry behind it late. Evals
 * (stamped after their request) are judged against the telemetry's progress instead.
 *
 * State: one TenantState per tenant in the `tenant-windows` store (RocksDB + changelog), kept decoded
 * in an ObjectCache and written back once per commit from `flush`.
 */
import type { EvalEvent, SignalSnapshot, TelemetryEvent } from '../../schemas/types.ts';
import { stateStores } from '../../topology/topics.ts';
import type { Processor, RecordOf } from '../core/processor.ts';
import type { ProcessorContext } from '../core/processor-context.ts';
import { NOT_CACHED, ObjectCache } from '../core/stores/object-cache.ts';
import { stringSerde, type Serde } from '../core/stores/serde.ts';
import {
  advanceStreamTime,
  closeWindows,
  decodeTenantState,
  encodeTenantState,
  initialTenantState,
  isTenantStateIdle,
  observeEval,
  observeTelemetry,
  type AggregationParams,
  type RolloutIdFor,
  type TenantState,
} from '../detect/aggregate/index.ts';
import { EventTally, signalsMetrics, tierLabel, type SignalsMetrics } from './metrics.ts';

export type SignalsInput = 'telemetry' | 'evals';

/** The store of tenant states (its changelog is declared in topology/topics.ts). */
export const TENANT_STORE = stateStores.signals.store;

export const tenantStateSerde: Serde<TenantState> = {
  serialize: encodeTenantState,
  deserialize: decodeTenantState,
};

export interface SignalsProcessorOptions {
  /** Stage 1 parameters (the policy's windows). */
  readonly params: AggregationParams;
  /** Names the rollout of a snapshot; called at each window close. */
  readonly rolloutIdFor: RolloutIdFor;
  /** Tier label values (the policy's tiers); anything else is counted as `other`. */
  readonly tiers: readonly string[];
  /** Decoded tenant states kept in memory per partition after a commit (default 5 000). */
  readonly cacheTenants?: number;
}

export class SignalsProcessor implements Processor<SignalsInput> {
  readonly #o: SignalsProcessorOptions;
  readonly #tiers: ReadonlySet<string>;
  /** Tenants with state in the store: the ones closed at each sub-window. */
  readonly #active = new Set<string>();
  #ctx!: ProcessorContext;
  #metrics!: SignalsMetrics;
  #cache!: ObjectCache<TenantState>;
  #streamTime = -Infinity;
  #nextCloseMs = -Infinity;
  /** Event counts not yet added to the counter: published at each window close, flush and close. */
  readonly #tally = new EventTally();

  constructor(options: SignalsProcessorOptions) {
    this.#o = options;
    this.#tiers = new Set(options.tiers);
  }

  async init(ctx: ProcessorContext): Promise<void> {
    this.#ctx = ctx;
    this.#metrics = signalsMetrics(ctx.metrics);
    this.#cache = new ObjectCache(
      ctx.store(TENANT_STORE),
      stringSerde,
      tenantStateSerde,
      this.#o.cacheTenants ?? 5_000,
    );
    const { subWindowMs, allowedLatenessMs } = this.#o.params;
    let restored = -Infinity;
    for await (const [tenantId, state] of this.#cache.scan()) {
      this.#active.add(tenantId);
      if (Number.isFinite(state.nextCloseK))
        restored = Math.max(restored, state.nextCloseK * subWindowMs + allowedLatenessMs);
    }
    this.#streamTime = restored;
    this.#gauge();
    if (this.#active.size > 0)
      ctx.logger.info({ tenants: this.#active.size, streamTime: restored }, 'tenant windows restored');
  }

  /**
   * Synchronous when the tenant's state is cached and no window closes (most events): no promise,
   * no await per event.
   */
  process(record: RecordOf<SignalsInput>): void | Promise<void> {
    const cached = this.#cache.peek(record.value.tenantId);
    if (cached === NOT_CACHED) return this.#processLoading(record);
    return this.#apply(record, cached);
  }

  async #processLoading(record: RecordOf<SignalsInput>): Promise<void> {
    await this.#apply(record, await this.#cache.get(record.value.tenantId));
  }

  #apply(record: RecordOf<SignalsInput>, stored: TenantState | undefined): void | Promise<void> {
    const p = this.#o.params;
    const event: TelemetryEvent | EvalEvent = record.value;
    const tenantId = event.tenantId;
    const kind = record.topic === 'telemetry' ? 'telemetry' : 'eval';
    if (record.key !== tenantId) this.#metrics.misrouted.inc({ kind });
    let state = stored;
    if (state === undefined) {
      state = initialTenantState(tenantId);
      this.#active.add(tenantId);
    }
    const verdict =
      record.topic === 'telemetry'
        ? observeTelemetry(state, record.value, this.#streamTime, p)
        : observeEval(state, record.value, this.#streamTime, p);
    this.#cache.set(tenantId, state);
    this.#tally.add(kind, verdict, state.tenantTier);
    if (verdict === 'future' || record.topic === 'evals') return;
    const t = advanceStreamTime(this.#streamTime, event.timestamp, p);
    if (t === this.#streamTime) return;
    this.#streamTime = t;
    if (t < this.#nextCloseMs) return;
    const { subWindowMs, allowedLatenessMs } = p;
    this.#nextCloseMs =
      (Math.floor((t - allowedLatenessMs) / subWindowMs) + 1) * subWindowMs + allowedLatenessMs;
    return this.#closeAll(t);
  }

  async flush(): Promise<void> {
    const end = this.#metrics.flushSeconds.startTimer();
    await this.#cache.flush();
    end();
    this.#publishTally();
    this.#gauge();
  }

  close(): void {
    this.#publishTally();
    this.#metrics.activeTenants.remove({ partition: String(this.#ctx.partition) });
  }

  /** The stream time this processor closes windows on, epoch ms (-Infinity before any event). */
  get streamTime(): number {
    return this.#streamTime;
  }

  async #closeAll(streamTimeMs: number): Promise<void> {
    const end = this.#metrics.closeSeconds.startTimer();
    const snapshots: SignalSnapshot[] = [];
    for (const tenantId of [...this.#active].sort()) {
      const cached = this.#cache.peek(tenantId);
      const state = cached === NOT_CACHED ? await this.#cache.get(tenantId) : cached;
      if (state === undefined) {
        this.#active.delete(tenantId);
        continue;
      }
      snapshots.push(...closeWindows(state, streamTimeMs, this.#o.params, this.#o.rolloutIdFor));
      if (isTenantStateIdle(state)) {
        this.#cache.delete(tenantId);
        this.#active.delete(tenantId);
      } else {
        this.#cache.set(tenantId, state);
      }
    }
    snapshots.sort((a, b) => a.windowEnd - b.windowEnd);
    for (const s of snapshots) {
      this.#ctx.forward('signals', s.rolloutId, s);
      if (!s.candidateTrafficEnded)
        this.#metrics.snapshots.inc({ tier: tierLabel(s.tenantTier, this.#tiers) });
    }
    this.#publishTally();
    end();
  }

  #publishTally(): void {
    this.#tally.publish(this.#metrics.events, this.#tiers);
  }

  #gauge(): void {
    this.#metrics.activeTenants.set({ partition: String(this.#ctx.partition) }, this.#active.size);
  }
}
