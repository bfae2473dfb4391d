/**
 * The reversion processor: the pure core (services/reversion/core) behind the processor contract, one
 * instance per partition of deploy.rollouts.v1 + rollback.decisions.v1 + rollback.approvals.v1 (all
 * keyed by rolloutId with the same partition count, so one rollout's inputs meet in one processor).
 *
 * Contract, per input record (in offset order; run in the runner's exactly-once mode):
 * 1. the delivery outcomes of earlier notifications are applied (final failures become
 *    `notification_failed` audit events; delivered ones leave the outbox);
 * 2. the routing view is absorbed for every tenant the input may route, so epochs continue from the
 *    table wherever the tenant's previous command came from (routing-view.ts);
 * 3. the core runs with `nowMs` = the wall clock and the bundles table;
 * 4. its RoutingCommands are forwarded to deploy.routing.v1 (key tenantId), its AuditEvents to
 *    audit.events.v1 (key rolloutId), its notifications stored in the outbox, and every touched state
 *    entity written to the `routing-state` store — all in the batch's one transaction with the input
 *    offsets, so a crash never loses or duplicates a command, an audit event or a state change.
 * After the commit (`committed`): metrics are counted, the commands become visible to the other
 * partitions of this process, and the notifications are handed to the notifier (never before).
 * A wall-clock punctuator (`tickIntervalMs`) resolves approval deadlines (`tick`) and redelivers
 * outbox entries left over by a restart.
 */
import type { Bundle } from '../../schemas/types.ts';
import { stateStores } from '../../topology/topics.ts';
import type { ProcessorContext } from '../core/processor-context.ts';
import type { Processor, ProcessorFactory, RecordOf } from '../core/processor.ts';
import {
  recordNotificationFailure,
  type ReversionContext,
  type ReversionOptions,
  type ReversionState,
} from './core/index.ts';
import type { ReversionMetrics } from './metrics.ts';
import { NotificationOutbox } from './notification-outbox.ts';
import type { NotificationSink } from './notifier.ts';
import { countEffects, effectsOf, type OutputEffects } from './output-effects.ts';
import { routeInput, routeTick, type Routed } from './route-input.ts';
import type { RoutingView } from './routing-view.ts';
import { ReversionStateStore, touchedBy } from './state-store.ts';

export type ReversionInput = 'rollouts' | 'decisions' | 'approvals';

export interface ReversionDeps {
  /** The bundles table (compacted deploy.bundles.v1), current contents. */
  readonly bundles: () => ReadonlyMap<string, Bundle>;
  readonly routing: RoutingView;
  readonly notifier: NotificationSink;
  readonly metrics: ReversionMetrics;
  readonly options?: Partial<ReversionOptions>;
  /** Tiers used as metric labels; others count as `other`. */
  readonly tiers?: readonly string[];
  /** Wall clock, epoch ms. */
  readonly now?: () => number;
  /** ms between approval-deadline checks (default 1 000). */
  readonly tickIntervalMs?: number;
  /** How long a rollout command waits for a bundle not yet in the table, ms (default 3 000). */
  readonly bundleWaitMs?: number;
  /** Default `stateStores.reversion.store`. */
  readonly storeName?: string;
}

/** Effects of the outputs queued since the last commit, applied once it succeeds. */
interface Uncommitted {
  effects: OutputEffects[];
  commands: Routed['output']['commands'];
  /** Kafka timestamps (epoch ms) of decision/approval records that produced commands. */
  latency: Array<{ via: 'automatic' | 'approval'; ts: number }>;
  /** Breach times (`decidedAt`, epoch ms) of automatic decisions that produced commands. */
  breaches: Array<{ action: string; at: number }>;
}

const fresh = (): Uncommitted => ({ effects: [], commands: [], latency: [], breaches: [] });

export class ReversionProcessor implements Processor<ReversionInput> {
  readonly #deps: ReversionDeps;
  readonly #now: () => number;
  readonly #tiers: readonly string[];
  #ctx!: ProcessorContext;
  #store!: ReversionStateStore;
  #state!: ReversionState;
  #outbox!: NotificationOutbox;
  #pending = fresh();
  #closed = false;

  constructor(deps: ReversionDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#tiers = [
      ...new Set([
        'enterprise',
        'pro',
        'free',
        ...(deps.tiers ?? []),
        ...Object.keys(deps.options?.sessionPolicyByTier ?? {}),
      ]),
    ];
  }

  async init(ctx: ProcessorContext): Promise<void> {
    this.#ctx = ctx;
    this.#store = new ReversionStateStore(ctx.store(this.#deps.storeName ?? stateStores.reversion.store));
    const loaded = await this.#store.load();
    this.#state = loaded.state;
    this.#outbox = new NotificationOutbox(
      this.#store,
      this.#deps.notifier,
      { partition: ctx.partition, entries: loaded.outbox, seq: loaded.outboxSeq },
      this.#now,
    );
    ctx.logger.info(
      {
        rollouts: loaded.state.rollouts.size,
        tenants: loaded.state.tenants.size,
        outbox: loaded.outbox.length,
      },
      'reversion state loaded',
    );
    ctx.schedule(this.#deps.tickIntervalMs ?? 1_000, 'wall-clock', () => this.#tick());
  }

  async process(record: RecordOf<ReversionInput>): Promise<void> {
    if (record.key !== record.value.rolloutId) {
      this.#deps.metrics.misrouted.inc({ topic: record.topic });
      this.#ctx.logger.error(
        { topic: record.topic, offset: record.offset, key: record.key, rolloutId: record.value.rolloutId },
        'record key is not its rolloutId: it may sit on another partition than its rollout; skipped',
      );
      return;
    }
    await this.#drainDeliveries();
    const routed = await routeInput(this.#state, record, this.#context(), this.#deps);
    await this.#publish(routed);
    if (routed.output.commands.length > 0 && (record.topic === 'decisions' || record.topic === 'approvals'))
      this.#pending.latency.push({
        via: record.topic === 'decisions' ? 'automatic' : 'approval',
        ts: record.kafkaTimestamp,
      });
    if (routed.output.commands.length > 0 && record.topic === 'decisions')
      this.#pending.breaches.push({ action: record.value.action, at: record.value.decidedAt });
  }

  async committed(): Promise<void> {
    const done = this.#pending;
    this.#pending = fresh();
    const m = this.#deps.metrics;
    const now = this.#now();
    for (const e of done.effects) countEffects(m, e, this.#tiers);
    for (const s of done.latency)
      m.decisionToCommand.observe({ via: s.via }, Math.max(0, now - s.ts) / 1_000);
    for (const b of done.breaches)
      m.breachToCommand.observe({ action: b.action }, Math.max(0, now - b.at) / 1_000);
    this.#deps.routing.recordCommitted(done.commands);
    if (!this.#closed) this.#outbox.committed();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#outbox?.close();
    if (this.#state !== undefined) await this.#drainDeliveries();
  }

  #context(): ReversionContext {
    return {
      nowMs: this.#now(),
      bundles: this.#deps.bundles(),
      ...(this.#deps.options ? { options: this.#deps.options } : {}),
    };
  }

  /** On the processor's own clock (`deps.now`), like every other input. */
  async #tick(): Promise<void> {
    await this.#drainDeliveries();
    const routed = routeTick(this.#state, this.#context(), this.#deps.routing);
    if (routed !== undefined) await this.#publish(routed);
    this.#outbox.dispatchPending();
  }

  async #publish({ output, adopted, effects }: Routed): Promise<void> {
    for (const c of output.commands) this.#ctx.forward('routing', c.tenantId, c);
    for (const a of output.audit) this.#ctx.forward('audit', a.rolloutId, a);
    const touched = touchedBy(output);
    for (const id of adopted) touched.tenants.add(id);
    await this.#store.save(this.#state, touched);
    await this.#outbox.enqueue(output.notifications);
    this.#pending.effects.push(effects);
    this.#pending.commands.push(...output.commands);
  }

  async #drainDeliveries(): Promise<void> {
    const failed = await this.#outbox.drain();
    if (failed.length === 0) return;
    const ctx = { nowMs: this.#now(), ...(this.#deps.options ? { options: this.#deps.options } : {}) };
    const audit = failed.map((f) =>
      recordNotificationFailure(this.#state, f.notification, f.channel, f.error, ctx),
    );
    for (const a of audit) this.#ctx.forward('audit', a.rolloutId, a);
    await this.#store.save(this.#state, touchedBy({ commands: [], audit }));
    this.#pending.effects.push(effectsOf({ commands: [], audit }, 'delivery', new Map()));
  }
}

/** One processor per input partition, sharing the tables, the routing view and the notifier. */
export function reversionProcessor(deps: ReversionDeps): ProcessorFactory<ReversionInput> {
  return () => new ReversionProcessor(deps);
}
