/**
 * The processor contract (after Kafka Streams' `Processor`). The runtime creates one processor per
 * input partition when the partition is assigned, calls `init` once, then `process` for each decoded
 * record in offset order, and `close` when the partition is revoked or the service stops. A processor
 * owns no Kafka or RocksDB handle: it reaches outputs, timers and state through its context.
 */
import type { TopicKey } from '../../topology/topics.ts';
import type { ProcessorContext } from './processor-context.ts';
import type { ValueOf } from './wire-types.ts';

export interface InputRecord<K extends TopicKey> {
  /** Registry key of the topic the record came from. */
  readonly topic: K;
  readonly partition: number;
  /** Kafka offset, as a decimal string. */
  readonly offset: string;
  /** UTF-8 record key; null when the producer sent none. */
  readonly key: string | null;
  readonly value: ValueOf<K>;
  /** Event time, epoch ms, from the service's timestamp extractor (default: the Kafka timestamp). */
  readonly timestamp: number;
  /** Kafka record timestamp, epoch ms. */
  readonly kafkaTimestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** The record type of a processor reading topics `K`: a union discriminated on `topic`. */
export type RecordOf<K extends TopicKey> = K extends TopicKey ? InputRecord<K> : never;

export interface Processor<K extends TopicKey> {
  /** Called once before the first record; the context stays valid until `close` returns. */
  init(context: ProcessorContext): void | Promise<void>;
  /** One record. A thrown error fails the batch: nothing since the last commit is kept, and it is retried. */
  process(record: RecordOf<K>): void | Promise<void>;
  /** Release resources. Forwards made here are still sent, and state written here still flushed. */
  close(): void | Promise<void>;
  /**
   * Optional: called at the start of every commit, before the stores are flushed (also after `close`).
   * For a processor that keeps decoded state in memory between commits (see `ObjectCache`): write it to
   * its stores here. Must not forward: the commit's outputs were taken already.
   */
  flush?(): void | Promise<void>;
  /**
   * Optional: called after everything queued so far (forwards, state, input offsets) was committed —
   * in exactly-once mode, after the transaction committed. For side effects that must follow the
   * commit (webhooks, latency metrics). Runs under the task's lock: start slow work, do not await it.
   */
  committed?(): void | Promise<void>;
}

/** Builds the processor of one input partition. */
export type ProcessorFactory<K extends TopicKey> = (partition: number) => Processor<K>;
