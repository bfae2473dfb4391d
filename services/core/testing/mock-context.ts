/**
 * A `ProcessorContext` for unit tests of processors (after Kafka Streams' `MockProcessorContext`):
 * captures forwards, keeps in-memory stores, and lets the test drive stream time and the wall clock.
 * No Kafka, no registry, no encoding: forwarded values are kept as given.
 */
import type { TopicKey } from '../../../topology/topics.ts';
import { ProgrammerError } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { Metrics } from '../metrics.ts';
import type { Cancellable, ProcessorContext, PunctuationType, Punctuator } from '../processor-context.ts';
import type { Processor, RecordOf } from '../processor.ts';
import { PunctuationSchedule } from '../punctuation.ts';
import type { KeyValueStore } from '../stores/key-value-store.ts';
import { MemoryStore } from '../stores/memory-store.ts';
import type { ValueOf } from '../wire-types.ts';

export interface Forwarded<K extends TopicKey = TopicKey> {
  readonly topic: K;
  readonly key: string;
  readonly value: ValueOf<K>;
  readonly headers?: Record<string, string>;
}

export class MockProcessorContext implements ProcessorContext {
  readonly app: string;
  readonly partition: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly forwarded: Forwarded[] = [];
  readonly stores = new Map<string, MemoryStore>();
  readonly #schedule = new PunctuationSchedule();
  #streamTime = -Infinity;
  #wallClock: number;

  constructor(
    options: { app?: string; partition?: number; stores?: readonly string[]; wallClockMs?: number } = {},
  ) {
    this.app = options.app ?? 'test';
    this.partition = options.partition ?? 0;
    this.logger = createLogger({ service: this.app, level: 'silent' });
    this.metrics = new Metrics({ service: this.app, defaultMetrics: false });
    this.#wallClock = options.wallClockMs ?? 0;
    for (const name of options.stores ?? []) this.stores.set(name, new MemoryStore(name));
  }

  forward<K extends TopicKey>(
    topic: K,
    key: string,
    value: ValueOf<K>,
    headers?: Record<string, string>,
  ): void {
    this.forwarded.push({ topic, key, value, ...(headers ? { headers } : {}) } as Forwarded);
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    return this.#schedule.add(intervalMs, type, punctuator, this.#wallClock);
  }

  streamTime(): number {
    return this.#streamTime;
  }

  store(name: string): KeyValueStore {
    const store = this.stores.get(name);
    if (store === undefined) throw new ProgrammerError(`store ${name} not declared in the mock context`);
    return store;
  }

  /** Forwards of one topic, values only, in order. */
  forwardedTo<K extends TopicKey>(topic: K): ValueOf<K>[] {
    return this.forwarded.filter((f) => f.topic === topic).map((f) => f.value as ValueOf<K>);
  }

  /** Feeds a record as the runtime would: stream time advances, then due stream-time punctuators fire. */
  async process<K extends TopicKey>(processor: Processor<K>, record: RecordOf<K>): Promise<void> {
    this.#streamTime = Math.max(this.#streamTime, record.timestamp);
    await processor.process(record);
    await this.advanceStreamTime(this.#streamTime);
  }

  /** Moves stream time forward (never back) and fires the stream-time punctuators due; how many fired. */
  async advanceStreamTime(timeMs: number): Promise<number> {
    this.#streamTime = Math.max(this.#streamTime, timeMs);
    return this.#fire('stream-time', this.#streamTime);
  }

  /** Sets the wall clock and fires the wall-clock punctuators due; how many fired. */
  async advanceWallClock(nowMs: number): Promise<number> {
    this.#wallClock = nowMs;
    return this.#fire('wall-clock', nowMs);
  }

  async #fire(type: PunctuationType, time: number): Promise<number> {
    const due = this.#schedule.due(type, time);
    for (const { fn, timestampMs } of due) await fn(timestampMs);
    return due.length;
  }
}

/** A record for `process`, with defaults for everything but topic, value and timestamp. */
export function testRecord<K extends TopicKey>(
  topic: K,
  value: ValueOf<K>,
  timestamp: number,
  extra: { key?: string | null; partition?: number; offset?: string; headers?: Record<string, string> } = {},
): RecordOf<K> {
  return {
    topic,
    value,
    timestamp,
    kafkaTimestamp: timestamp,
    key: extra.key ?? null,
    partition: extra.partition ?? 0,
    offset: extra.offset ?? '0',
    headers: extra.headers ?? {},
  } as unknown as RecordOf<K>;
}
