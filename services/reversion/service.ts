/**
 * The reversion service assembled: the bundles and routing tables, the notifier with its dead-letter
 * producer, and the exactly-once StreamRunner over rollouts + decisions + approvals. `main.ts` builds it
 * from the environment; integration tests build it in-process on renamed topics.
 *
 * Lifecycle: `start()` reads both tables to their end before the runner joins its group (so the first
 * input already sees every bundle and every tenant's epoch), then starts the runner. `stop()` stops the
 * runner (last commit, processors closed: deliveries in progress are aborted and stay in the outbox),
 * then the tables and the producer.
 */
import { deadLetterTopic, stateStores } from '../../topology/topics.ts';
import * as k from '../core/kafka.ts';
import { StreamRunner, type RunnerDeps } from '../core/runner.ts';
import { GlobalTable } from '../core/global-table.ts';
import { BundleTable } from '../registry/bundle-table.ts';
import type { ReversionOptions } from './core/index.ts';
import { KafkaDeadLetterSink } from './dead-letter-sink.ts';
import { reversionMetrics } from './metrics.ts';
import { WebhookNotifier } from './notifier.ts';
import { reversionProcessor, type ReversionInput } from './processor.ts';
import { RoutingView } from './routing-view.ts';
import type { DeliverySettings } from './webhook-delivery.ts';
import type { WebhookTarget } from './webhook-targets.ts';

export interface ReversionServiceOptions {
  readonly options: Partial<ReversionOptions>;
  readonly targets: readonly WebhookTarget[];
  readonly delivery: DeliverySettings;
  /** bytes */
  readonly maxPayloadBytes: number;
  /** ms */
  readonly tickIntervalMs: number;
  /** Default `reversion` (changelog `backtrack-reversion-routing-state-changelog`). */
  readonly app?: string;
  /** Default `backtrack-<app>`. */
  readonly groupId?: string;
  readonly changelogTopic?: (store: string) => string;
  /** Wall clock, epoch ms. */
  readonly now?: () => number;
  /** ms a rollout command waits for a bundle not yet in the table (default 3 000). */
  readonly bundleWaitMs?: number;
  /** Consumer group session timeout, ms (runner default). */
  readonly sessionTimeoutMs?: number;
}

export class ReversionService {
  readonly bundles: BundleTable;
  readonly routing: GlobalTable<'routing'>;
  readonly runner: StreamRunner<ReversionInput>;
  /** The DLQ of undeliverable notifications. */
  readonly deadLetterTopic: string;
  readonly #deps: RunnerDeps;
  readonly #producer: k.Producer;

  constructor(deps: RunnerDeps, o: ReversionServiceOptions) {
    this.#deps = deps;
    const { kafka, codec, logger } = deps;
    this.bundles = new BundleTable(deps, { verifyIds: true });
    this.routing = new GlobalTable(deps, { topic: 'routing' });
    this.#producer = k.createIdempotentProducer(kafka);
    this.deadLetterTopic = deadLetterTopic(codec.bindings.decisions.name);
    const metrics = reversionMetrics(deps.metrics);
    const notifier = new WebhookNotifier({
      targets: o.targets,
      delivery: o.delivery,
      maxPayloadBytes: o.maxPayloadBytes,
      deadLetters: new KafkaDeadLetterSink(this.#producer, this.deadLetterTopic),
      logger,
      metrics,
      ...(o.now ? { now: o.now } : {}),
    });
    const bundles = this.bundles;
    this.runner = new StreamRunner<ReversionInput>(
      {
        app: o.app ?? 'reversion',
        ...(o.groupId ? { groupId: o.groupId } : {}),
        ...(o.changelogTopic ? { changelogTopic: o.changelogTopic } : {}),
        ...(o.sessionTimeoutMs ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
        inputs: ['rollouts', 'decisions', 'approvals'],
        outputs: ['routing', 'audit'],
        stores: [{ name: stateStores.reversion.store }],
        exactlyOnce: true,
        wallClockTickMs: Math.min(1_000, o.tickIntervalMs),
        processor: reversionProcessor({
          bundles: () => bundles.map,
          routing: new RoutingView(this.routing),
          notifier,
          metrics,
          options: o.options,
          tickIntervalMs: o.tickIntervalMs,
          ...(o.now ? { now: o.now } : {}),
          ...(o.bundleWaitMs === undefined ? {} : { bundleWaitMs: o.bundleWaitMs }),
        }),
      },
      deps,
    );
  }

  get done(): Promise<void> {
    return this.runner.done;
  }

  async start(): Promise<void> {
    await this.#producer.connect();
    await Promise.all([this.bundles.start(), this.routing.start()]);
    await Promise.all([this.bundles.ready(), this.routing.ready()]);
    this.#deps.logger.info(
      { bundles: this.bundles.map.size, tenants: this.routing.size },
      'bundles and routing tables read',
    );
    await this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    await Promise.all([this.bundles.stop(), this.routing.stop()]);
    await this.#producer.disconnect();
  }
}
