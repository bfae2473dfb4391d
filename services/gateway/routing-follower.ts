/**
 * Follows deploy.routing.v1 (compacted, key tenantId) from the beginning and answers "which bundle for
 * tenant X now". It never commits offsets: every start re-reads the whole table, under a consumer
 * group of its own (kafkajs has no manual assignment), so gateways never share partitions.
 */
import { randomUUID } from 'node:crypto';
import type { RoutingCommand } from '../../schemas/types.ts';
import type { Codec } from '../core/codec.ts';
import { DecodeError, isRetriable } from '../core/errors.ts';
import {
  createAdmin,
  createConsumer,
  topicOffsets,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
} from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import { Metrics } from '../core/metrics.ts';
import { retry } from '../core/retry.ts';
import { CatchUp } from './catch-up.ts';
import { WaitTimeoutError } from './errors.ts';
import { followerMetrics, type FollowerMetrics } from './gateway-metrics.ts';
import { chooseRoute, type RouteChoice } from './route-choice.ts';
import { RoutingTable, type RoutingVerdict } from './routing-table.ts';

export interface RoutingFollowerOptions {
  readonly kafka: Kafka;
  /** Its `routing` binding names the topic. */
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Part of the consumer group id, `backtrack-gateway-<gatewayId>-<random>`. */
  readonly gatewayId?: string;
  /** Wall clock, ms; stamps `RoutingChange.appliedAt`. */
  readonly now?: () => number;
}

/** One applied change of a tenant's routing (a newer epoch, or a tombstone). */
export interface RoutingChange {
  readonly tenantId: string;
  readonly previous: RoutingCommand | undefined;
  /** undefined: the tenant's key was deleted (tombstone). */
  readonly current: RoutingCommand | undefined;
  readonly partition: number;
  readonly offset: string;
  /** Wall clock when applied, epoch ms. */
  readonly appliedAt: number;
  /** Whether the follower had already caught up (false while replaying the table at start). */
  readonly live: boolean;
}

export interface FollowerStats {
  readonly records: number;
  readonly verdicts: Readonly<Record<RoutingVerdict, number>>;
  readonly tombstones: number;
  readonly undecodable: number;
  readonly tenants: number;
  readonly caughtUp: boolean;
  /** Wall ms from start() to caught up; undefined until then. */
  readonly catchUpMs: number | undefined;
}

export class RoutingFollower {
  readonly #options: RoutingFollowerOptions;
  readonly #table = new RoutingTable();
  readonly #listeners = new Set<(change: RoutingChange) => void>();
  /** Re-checks of pending `waitUntil` predicates, after every change and the catch-up. */
  readonly #waiters = new Set<() => void>();
  readonly #metrics: FollowerMetrics;
  readonly #log: Logger;
  readonly #now: () => number;
  #consumer: Consumer | undefined;
  #catchUp: CatchUp | undefined;
  #startedAt = 0;
  #catchUpMs: number | undefined;
  #records = 0;
  #tombstones = 0;
  #undecodable = 0;

  constructor(options: RoutingFollowerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#metrics = followerMetrics(
      options.metrics ?? new Metrics({ service: 'gateway', defaultMetrics: false }),
    );
    this.#log = options.logger.child({ component: 'routing-follower', topic: this.topic });
  }

  get topic(): string {
    return this.#options.codec.bindings.routing.name;
  }

  /** Reads the start watermarks, joins a fresh group and starts consuming from the beginning. */
  async start(): Promise<void> {
    const { kafka, gatewayId = 'gw' } = this.#options;
    this.#startedAt = this.#now();
    const admin = createAdmin(kafka);
    await admin.connect();
    try {
      this.#catchUp = new CatchUp(await topicOffsets(admin, this.topic));
    } finally {
      await admin.disconnect();
    }
    if (this.#catchUp.done) this.#markCaughtUp();
    const groupId = `backtrack-gateway-${gatewayId}-${randomUUID()}`;
    const consumer = createConsumer(kafka, { groupId, readCommitted: true, maxWaitTimeInMs: 100 });
    this.#consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.#advance(payload.partition, payload.lastOffset),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.#log.error(
        { err: payload.error, restart: payload.restart },
        'routing consumer crashed; routes kept as last read',
      ),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.#onBatch(payload) });
  }

  async stop(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = undefined;
    await consumer?.disconnect();
  }

  /** The tenant's current routing, or undefined when it has none (serve the gateway's default). */
  routeFor(tenantId: string): RoutingCommand | undefined {
    return this.#table.get(tenantId);
  }

  /** The bundle for one request; `u` is a uniform draw in [0, 1). Undefined when the tenant has no routing. */
  bundleFor(tenantId: string, u: number): RouteChoice | undefined {
    const route = this.#table.get(tenantId);
    return route === undefined ? undefined : chooseRoute(route, u);
  }

  /** Tenants with a routing command. */
  tenants(): string[] {
    return [...this.#table.tenants()];
  }

  /** True once every partition was read up to its high watermark at start. */
  caughtUp(): boolean {
    return this.#catchUp?.done === true;
  }

  /** Calls `listener` after each applied change; returns the unsubscribe function. */
  onChange(listener: (change: RoutingChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves when `predicate` holds, checked now, after each change, after each batch of records
   * (whatever their verdicts) and at the catch-up; rejects with WaitTimeoutError after `timeoutMs` (wall ms).
   */
  waitUntil(predicate: (follower: RoutingFollower) => boolean, timeoutMs: number): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new WaitTimeoutError(`routing condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
    });
  }

  /** Waits for the catch-up (see `caughtUp`). */
  ready(timeoutMs = 30_000): Promise<void> {
    return this.waitUntil((f) => f.caughtUp(), timeoutMs);
  }

  stats(): FollowerStats {
    return {
      records: this.#records,
      verdicts: this.#table.counts(),
      tombstones: this.#tombstones,
      undecodable: this.#undecodable,
      tenants: this.#table.size,
      caughtUp: this.caughtUp(),
      catchUpMs: this.#catchUpMs,
    };
  }

  async #onBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      await this.#applyRecord(batch.partition, message.offset, message.key, message.value);
      this.#advance(batch.partition, message.offset);
    }
    this.#wake();
    await heartbeat();
  }

  async #applyRecord(
    partition: number,
    offset: string,
    key: Buffer | null,
    value: Buffer | null,
  ): Promise<void> {
    this.#records++;
    const tenantId = key?.toString();
    if (value === null) {
      if (tenantId === undefined) return;
      this.#tombstones++;
      const previous = this.#table.remove(tenantId);
      if (previous !== undefined) this.#emit({ tenantId, previous, current: undefined, partition, offset });
      return;
    }
    let command: RoutingCommand;
    const decode = () => this.#options.codec.decode('routing', value, (c) => keyMismatch(c, tenantId));
    try {
      command = await decode().catch((error: unknown) => {
        if (!isRetriable(error)) throw error;
        return retry(decode, { retries: 8, initialDelayMs: 200, maxDelayMs: 5_000 });
      });
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.#undecodable++;
      this.#metrics.undecodable.inc({ reason: error.reason });
      this.#log.warn(
        { partition, offset, reason: error.reason, err: error.message },
        'undecodable routing record',
      );
      return;
    }
    const { verdict, previous } = this.#table.apply(command);
    this.#metrics.commands.inc({ verdict });
    if (verdict === 'conflict') {
      this.#log.error(
        { tenantId: command.tenantId, epoch: command.epoch, partition, offset },
        'routing epoch conflict',
      );
    }
    if (verdict === 'applied')
      this.#emit({ tenantId: command.tenantId, previous, current: command, partition, offset });
  }

  #emit(change: Omit<RoutingChange, 'appliedAt' | 'live'>): void {
    this.#metrics.tenants.set(this.#table.size);
    const full: RoutingChange = { ...change, appliedAt: this.#now(), live: this.caughtUp() };
    for (const listener of this.#listeners) {
      try {
        listener(full);
      } catch (err) {
        this.#log.error({ err }, 'routing change listener failed');
      }
    }
    this.#wake();
  }

  #wake(): void {
    for (const check of [...this.#waiters]) check();
  }

  #advance(partition: number, offset: string): void {
    if (this.#catchUp?.advance(partition, offset) === true) this.#markCaughtUp();
  }

  #markCaughtUp(): void {
    this.#catchUpMs = this.#now() - this.#startedAt;
    this.#metrics.caughtUp.set(1);
    this.#log.info(
      { tenants: this.#table.size, records: this.#records, ms: this.#catchUpMs },
      'routing caught up',
    );
    this.#wake();
  }
}

function keyMismatch(command: RoutingCommand, key: string | undefined): string | undefined {
  return key === undefined || key === command.tenantId
    ? undefined
    : `key ${key} but tenantId ${command.tenantId}`;
}
