/**
 * What a processor sees of the runtime (after Kafka Streams' `ProcessorContext`). Valid from `init`
 * until `close` returns; bound to one input partition.
 */
import type { TopicKey } from '../../topology/topics.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { KeyValueStore } from './stores/key-value-store.ts';
import type { ValueOf } from './wire-types.ts';

/**
 * `stream-time`: fires when the partition's stream time (max event time seen) passes the next multiple
 * of the interval; driven by data, so it behaves identically live and in replay.
 * `wall-clock`: fires on the process clock, also when no record arrives.
 */
export type PunctuationType = 'stream-time' | 'wall-clock';

/** Called with the time (ms) that made it due: the stream time, or `Date.now()` for wall-clock. */
export type Punctuator = (timestampMs: number) => void | Promise<void>;

export interface Cancellable {
  cancel(): void;
}

export interface ProcessorContext {
  /** Service name, e.g. `signals`. */
  readonly app: string;
  /** The input partition this processor owns. */
  readonly partition: number;
  readonly logger: Logger;
  readonly metrics: Metrics;

  /**
   * Queues a record for a registry topic. Queued records are sent before the input offsets are
   * committed (in the same transaction in exactly-once mode); never sent if processing fails first.
   */
  forward<K extends TopicKey>(
    topic: K,
    key: string,
    value: ValueOf<K>,
    headers?: Record<string, string>,
  ): void;

  /** Registers a punctuator; `intervalMs` > 0. */
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;

  /** Max event time seen on this partition, epoch ms; -Infinity before the first record. */
  streamTime(): number;

  /** A state store declared by the service, for this partition (bytes; wrap it in a `TypedStore`). */
  store(name: string): KeyValueStore;
}
