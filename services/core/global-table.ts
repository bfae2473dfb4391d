/**
 * A whole topic as a table in memory, on every instance (after Kafka Streams' `GlobalKTable`): all
 * partitions read from the beginning by a consumer of a group of its own that never commits, the
 * latest value per key kept, a tombstone deleting its key. For small or compacted topics a service
 * reads beside its partitioned inputs (signals reads the rollout commands, 6 partitions, beside the
 * telemetry, 12), which the runner cannot co-partition.
 */
import { randomUUID } from 'node:crypto';
import type { TopicKey } from '../../topology/topics.ts';
import type { Codec } from './codec.ts';
import { DecodeError, UnavailableError } from './errors.ts';
import * as k from './kafka.ts';
import type { Logger } from './logger.ts';
import type { ValueOf } from './wire-types.ts';

/** Called once per record applied, in offset order per partition: `value` undefined for a tombstone. */
export type TableListener<V> = (key: string, value: V | undefined, previous: V | undefined) => void;

export interface GlobalTableDeps {
  readonly kafka: k.Kafka;
  readonly codec: Codec;
  readonly logger: Logger;
}

export interface GlobalTableOptions<K extends TopicKey> {
  /** Registry key of the topic; the Kafka name comes from the codec's bindings. */
  readonly topic: K;
  /** Default `backtrack-global-<topic name>-<uuid>`: one group per instance, deleted on stop. */
  readonly groupId?: string;
  /** ms `ready()` waits before it rejects with an UnavailableError (default 60 000). */
  readonly readyTimeoutMs?: number;
}

export class GlobalTable<K extends TopicKey> {
  readonly #deps: GlobalTableDeps;
  readonly #topic: K;
  readonly #name: string;
  readonly #groupId: string;
  readonly #readyTimeoutMs: number;
  readonly #values = new Map<string, ValueOf<K>>();
  readonly #listeners = new Set<TableListener<ValueOf<K>>>();
  /** Next offset to apply, per partition. */
  readonly #positions = new Map<number, bigint>();
  /** Per partition: the end offset seen at start that `ready()` waits for. */
  #targets: Map<number, bigint> | undefined;
  readonly #consumer: k.Consumer;
  readonly #ready: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  #undecodable = 0;

  constructor(deps: GlobalTableDeps, options: GlobalTableOptions<K>) {
    this.#deps = deps;
    this.#topic = options.topic;
    this.#name = deps.codec.bindings[options.topic].name;
    this.#groupId = options.groupId ?? `backtrack-global-${this.#name}-${randomUUID()}`;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.#consumer = k.createConsumer(deps.kafka, { groupId: this.#groupId, maxWaitTimeInMs: 200 });
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#ready.catch(() => undefined);
  }

  /** Connects and starts reading; `ready()` tells when the table caught up. */
  async start(): Promise<void> {
    const admin = k.createAdmin(this.#deps.kafka);
    await admin.connect();
    try {
      const offsets = await k.topicOffsets(admin, this.#name);
      this.#targets = new Map(
        offsets.filter((o) => o.high !== o.low).map((o) => [o.partition, BigInt(o.high)]),
      );
    } finally {
      await admin.disconnect();
    }
    const c = this.#consumer;
    c.on(c.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === this.#name) this.#advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    c.on(c.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.#rejectReady(payload.error);
    });
    await c.connect();
    await c.subscribe({ topic: this.#name, fromBeginning: true });
    await c.run({ autoCommit: false, eachBatch: (payload) => this.#onBatch(payload) });
    this.#checkReady();
  }

  /** Resolves once every partition was read up to its end offset at `start()`. */
  ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UnavailableError(
              `global table ${this.#name}: not caught up after ${this.#readyTimeoutMs} ms`,
            ),
          ),
        this.#readyTimeoutMs,
      );
    });
    return Promise.race([this.#ready, timeout]).finally(() => clearTimeout(timer));
  }

  get(key: string): ValueOf<K> | undefined {
    return this.#values.get(key);
  }

  get size(): number {
    return this.#values.size;
  }

  entries(): IterableIterator<[string, ValueOf<K>]> {
    return this.#values.entries();
  }

  /** Records that could not be decoded (skipped, logged). */
  get undecodable(): number {
    return this.#undecodable;
  }

  /** Registers a listener of every applied record (register before `start` to see the initial load); returns its removal. */
  onChange(listener: TableListener<ValueOf<K>>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect().catch(() => undefined);
    const admin = k.createAdmin(this.#deps.kafka);
    await admin.connect().catch(() => undefined);
    await admin.deleteGroups([this.#groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    this.#rejectReady(new UnavailableError(`global table ${this.#name} stopped`));
  }

  async #onBatch({ batch, heartbeat }: k.EachBatchPayload): Promise<void> {
    const from = this.#positions.get(batch.partition) ?? 0n;
    for (const m of batch.messages) {
      if (BigInt(m.offset) < from || m.key === null) continue;
      await this.#apply(m.key.toString('utf8'), m);
    }
    await heartbeat();
  }

  async #apply(key: string, m: k.KafkaMessage): Promise<void> {
    const previous = this.#values.get(key);
    let value: ValueOf<K> | undefined;
    if (m.value !== null) {
      try {
        value = await this.#deps.codec.decode(this.#topic, m.value);
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        this.#undecodable++;
        this.#deps.logger.warn(
          { topic: this.#name, offset: m.offset, reason: error.reason },
          'global table: skipped undecodable record',
        );
        return;
      }
      this.#values.set(key, value);
    } else {
      this.#values.delete(key);
    }
    for (const listener of this.#listeners) listener(key, value, previous);
  }

  #advance(partition: number, next: bigint): void {
    if (next > (this.#positions.get(partition) ?? 0n)) this.#positions.set(partition, next);
    this.#checkReady();
  }

  #checkReady(): void {
    if (this.#targets === undefined) return;
    for (const [p, target] of this.#targets) if ((this.#positions.get(p) ?? 0n) < target) return;
    this.#resolveReady();
  }
}
