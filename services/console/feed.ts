/**
 * Feeds the console's read model from Kafka: one consumer of a group of its own (never committing)
 * reads alert scores, decisions, approvals, audit, rollout commands, routing and bundles from the
 * beginning (read_committed), decodes each record and applies it. Like the core's GlobalTable, every
 * instance holds the whole model; the model is bounded (read-model.ts), so the replay at start is the
 * only cost of a restart.
 *
 * Lifecycle: `start()` notes each partition's end offset, then consumes; `ready()` resolves once all
 * of them are reached; listeners hear after each batch that changed something; `stop()` disconnects
 * and deletes the group.
 */
import { randomUUID } from 'node:crypto';
import type { Codec } from '../core/codec.ts';
import { DecodeError, UnavailableError } from '../core/errors.ts';
import * as k from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import { applyRecord, type ConsoleRecord, type ConsoleTopic, type ReadModel } from './read-model.ts';
import type { ConsoleMetrics } from './metrics.ts';

export const consoleTopics = [
  'scores',
  'decisions',
  'approvals',
  'audit',
  'rollouts',
  'routing',
  'bundles',
] as const;

export interface FeedDeps {
  readonly kafka: k.Kafka;
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics: ConsoleMetrics;
}

/** Told the rollouts a batch touched (null: tenant routing or bundles). */
export type FeedListener = (touched: ReadonlySet<string | null>) => void;

export class ConsoleFeed {
  readonly groupId: string;
  readonly #deps: FeedDeps;
  readonly #model: ReadModel;
  readonly #consumer: k.Consumer;
  readonly #listeners = new Set<FeedListener>();
  readonly #positions = new Map<string, bigint>();
  #targets: Map<string, bigint> | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  readonly #ready: Promise<void>;

  constructor(deps: FeedDeps, model: ReadModel, options: { groupId?: string } = {}) {
    this.#deps = deps;
    this.#model = model;
    this.groupId = options.groupId ?? `backtrack-console-${randomUUID()}`;
    this.#consumer = k.createConsumer(deps.kafka, { groupId: this.groupId, maxWaitTimeInMs: 200 });
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#ready.catch(() => undefined);
  }

  onChange(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async start(): Promise<void> {
    const names = consoleTopics.map((t) => this.#deps.codec.bindings[t].name);
    const admin = k.createAdmin(this.#deps.kafka);
    await admin.connect();
    try {
      this.#targets = new Map();
      for (const name of names)
        for (const o of await k.topicOffsets(admin, name))
          if (o.high !== o.low) this.#targets.set(`${name}/${o.partition}`, BigInt(o.high));
    } finally {
      await admin.disconnect();
    }
    const c = this.#consumer;
    c.on(c.events.END_BATCH_PROCESS, ({ payload }) => {
      const key = `${payload.topic}/${payload.partition}`;
      const next = BigInt(payload.lastOffset) + 1n;
      if (next > (this.#positions.get(key) ?? 0n)) this.#positions.set(key, next);
      this.#checkReady();
    });
    c.on(c.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.#rejectReady(payload.error);
    });
    await c.connect();
    await c.subscribe({ topics: names, fromBeginning: true });
    await c.run({ autoCommit: false, eachBatch: (p) => this.#onBatch(p) });
    this.#checkReady();
  }

  /** Resolves when the model holds everything that was on the topics at `start()`. */
  ready(timeoutMs = 60_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new UnavailableError(`console feed: not caught up after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.#ready, timeout]).finally(() => clearTimeout(timer));
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect().catch(() => undefined);
    const admin = k.createAdmin(this.#deps.kafka);
    await admin.connect().catch(() => undefined);
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    this.#rejectReady(new UnavailableError('console feed stopped'));
  }

  async #onBatch({ batch, heartbeat }: k.EachBatchPayload): Promise<void> {
    const binding = this.#deps.codec.bindingOf(batch.topic);
    if (binding === undefined) return;
    const topic = binding.key as ConsoleTopic;
    const touched = new Set<string | null>();
    for (const m of batch.messages) {
      const record = await this.#decode(topic, m);
      if (record === undefined) continue;
      const verdict = applyRecord(this.#model, record);
      this.#deps.metrics.records.inc({ topic, result: verdict.applied ? 'applied' : 'duplicate' });
      if (verdict.applied) touched.add(verdict.rolloutId);
    }
    await heartbeat();
    if (touched.size > 0) for (const l of this.#listeners) l(touched);
  }

  async #decode(topic: ConsoleTopic, m: k.KafkaMessage): Promise<ConsoleRecord | undefined> {
    const key = m.key?.toString('utf8') ?? '';
    try {
      if (m.value === null) {
        if (topic === 'routing' || topic === 'bundles') return { topic, key, value: null };
        return undefined;
      }
      const value: unknown = await this.#deps.codec.decode(topic, m.value);
      return { topic, key, value } as ConsoleRecord;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.#deps.metrics.records.inc({ topic, result: 'undecodable' });
      this.#deps.logger.warn(
        { topic, offset: m.offset, reason: error.reason },
        'console: skipped undecodable record',
      );
      return undefined;
    }
  }

  #checkReady(): void {
    if (this.#targets === undefined) return;
    for (const [key, target] of this.#targets) if ((this.#positions.get(key) ?? 0n) < target) return;
    this.#resolveReady();
  }
}
