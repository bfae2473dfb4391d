/**
 * One input partition's processor with its context, punctuators, stores and the outputs it queued
 * since the last commit. Owned by the runner, which serializes every call through `exclusive`.
 */
import type { TopicKey } from '../../topology/topics.ts';
import type { Codec } from './codec.ts';
import { ProgrammerError } from './errors.ts';
import type { Message, TopicMessages } from './kafka.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Processor, RecordOf } from './processor.ts';
import type { ProcessorContext, PunctuationType } from './processor-context.ts';
import { PunctuationSchedule } from './punctuation.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';
import type { TaskStore } from './task-stores.ts';

export interface TaskDeps<In extends TopicKey> {
  readonly app: string;
  readonly partition: number;
  readonly processor: Processor<In>;
  readonly stores: Map<string, TaskStore>;
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly runtime: RuntimeMetrics;
  readonly now?: () => number;
}

export class PartitionTask<In extends TopicKey> {
  readonly partition: number;
  readonly context: ProcessorContext;
  readonly #deps: TaskDeps<In>;
  readonly #schedule = new PunctuationSchedule();
  readonly #now: () => number;
  #outputs = new Map<string, Message[]>();
  #streamTime = -Infinity;
  /** Event time of what is being processed: the record's, or the punctuation's. */
  #currentTime: number | undefined;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(deps: TaskDeps<In>) {
    this.#deps = deps;
    this.partition = deps.partition;
    this.#now = deps.now ?? Date.now;
    const { codec, stores } = deps;
    this.context = {
      app: deps.app,
      partition: deps.partition,
      logger: deps.logger,
      metrics: deps.metrics,
      forward: (topic, key, value, headers) => {
        const name = codec.bindings[topic].name;
        const message: Message = { key, value: codec.encode(topic, value), ...(headers ? { headers } : {}) };
        if (this.#currentTime !== undefined && Number.isFinite(this.#currentTime)) {
          message.timestamp = String(Math.trunc(this.#currentTime));
        }
        this.#queue(name, message);
        deps.runtime.forwarded.inc({ topic: name });
      },
      schedule: (intervalMs, type, fn) => this.#schedule.add(intervalMs, type, fn, this.#now()),
      streamTime: () => this.#streamTime,
      store: (name) => {
        const store = stores.get(name);
        if (store === undefined) throw new ProgrammerError(`store ${name} is not declared by ${deps.app}`);
        return store.outer;
      },
    };
  }

  /** Runs `fn` after every earlier call on this task has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  init(): Promise<void> | void {
    return this.#deps.processor.init(this.context);
  }

  async process(record: RecordOf<In>): Promise<void> {
    if (record.timestamp > this.#streamTime) this.#streamTime = record.timestamp;
    this.#currentTime = record.timestamp;
    await this.#deps.processor.process(record);
    await this.#punctuate('stream-time', this.#streamTime);
  }

  /** Fires the wall-clock punctuators due now; how many fired. */
  punctuateWallClock(): Promise<number> {
    return this.#punctuate('wall-clock', this.#now());
  }

  minWallClockIntervalMs(): number | undefined {
    return this.#schedule.minWallClockIntervalMs();
  }

  deadLetter(topic: string, message: Message): void {
    this.#queue(topic, message);
  }

  /** The queued records, in order per topic; the queue is emptied. */
  takeOutputs(): TopicMessages[] {
    const out = [...this.#outputs].map(([topic, messages]) => ({ topic, messages }));
    this.#outputs = new Map();
    return out;
  }

  /** The processor's `flush` hook, then every store's flush. */
  async flushStores(): Promise<void> {
    await this.#deps.processor.flush?.();
    for (const s of this.#deps.stores.values()) await s.outer.flush();
  }

  /** After a successful commit: record the changelog offsets reached. */
  async checkpointStores(): Promise<void> {
    for (const s of this.#deps.stores.values()) await s.logged?.checkpoint();
  }

  /** After a successful commit: the processor's optional `committed` hook. */
  async committed(): Promise<void> {
    await this.#deps.processor.committed?.();
  }

  /** Calls the processor's `close` (its forwards stay queued for a last commit). */
  async closeProcessor(): Promise<void> {
    await this.#deps.processor.close();
  }

  /** Closes the stores without flushing: unflushed state is dropped, as after a crash. */
  async closeStores(): Promise<void> {
    for (const s of this.#deps.stores.values()) await s.outer.close().catch(() => undefined);
  }

  async #punctuate(type: PunctuationType, time: number): Promise<number> {
    const due = this.#schedule.due(type, time);
    for (const { fn, timestampMs } of due) {
      this.#currentTime = timestampMs;
      this.#deps.runtime.punctuations.inc({ type });
      await fn(timestampMs);
    }
    return due.length;
  }

  #queue(topic: string, message: Message): void {
    let list = this.#outputs.get(topic);
    if (list === undefined) this.#outputs.set(topic, (list = []));
    list.push(message);
  }
}
