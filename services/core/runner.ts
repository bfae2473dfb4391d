/**
 * The one adapter from kafkajs `consumer.run({ eachBatch })` to the processor contract, for every
 * service. Per assigned partition: a task (processor + stores restored from their changelogs), created
 * on assignment and closed on revocation. Per batch: decode each record (undecodable or invalid ones
 * go to `<topic>.dlq` with the reason in headers), process, fire stream-time punctuators, then the
 * commit cycle (commit-cycle.ts). A failed batch drops the task; after a retriable error kafkajs
 * re-delivers the batch to a task rebuilt from the changelog, so nothing since the last commit survives
 * it. After a non-retriable one (a record the broker refuses, a programmer error; runner-errors.ts) the
 * runner fails for good: `done` rejects and no task is rebuilt. A task's stores are used only inside its
 * `exclusive` section and only while it is open: every section checks `closed` first.
 */
import type { TopicKey } from '../../topology/topics.ts';
import { changelogTopic } from '../../topology/topics.ts';
import type { Codec } from './codec.ts';
import { commitTask, type TaskEntry } from './commit-cycle.ts';
import { deadLetter } from './dead-letter.ts';
import { heartbeatWhile } from './heartbeat-while.ts';
import { toInputRecord, type InputRules } from './input-record.ts';
import { isFatal, RunnerStoppedError, TaskClosedError } from './runner-errors.ts';
import { KafkaChangelogReader, SenderChangelogWriter } from './kafka-changelog.ts';
import * as k from './kafka.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { ProcessorFactory } from './processor.ts';
import { runtimeMetrics, type RuntimeMetrics } from './runtime-metrics.ts';
import { PartitionTask } from './task.ts';
import { openTaskStores, type StoreSpec } from './task-stores.ts';

export interface RunnerOptions<In extends TopicKey> extends InputRules<In> {
  /** Service name: changelog topics, state directory, default group id. */
  readonly app: string;
  /** Default `backtrack-<app>`. */
  readonly groupId?: string;
  readonly inputs: readonly In[];
  /** Topics the processor forwards to; their schemas are registered at start. */
  readonly outputs?: readonly TopicKey[];
  readonly processor: ProcessorFactory<In>;
  readonly stores?: readonly StoreSpec[];
  /** Outputs, changelog writes and offsets in one Kafka transaction per batch. */
  readonly exactlyOnce?: boolean;
  /** A new group starts at the earliest offset (default true). */
  readonly fromBeginning?: boolean;
  /** How often wall-clock punctuators are checked, ms (default 1 000). */
  readonly wallClockTickMs?: number;
  /** Default `changelogTopic(app, store)` of the topology. */
  readonly changelogTopic?: (store: string) => string;
  readonly sessionTimeoutMs?: number;
  /**
   * Largest batch fetched per partition, bytes (default kafkajs' 1 MiB). Every batch ends in a commit
   * cycle, so with a backlog a larger batch means fewer state flushes and changelog writes per record.
   */
  readonly maxBatchBytes?: number;
  /** Largest fetch response over all partitions, bytes (default kafkajs' 10 MiB). */
  readonly maxFetchBytes?: number;
  /**
   * Batches of different partitions handled at once (default 1). Above 1, one partition's commit
   * round trips (changelog send, offset commit) overlap another's processing; batches of one partition
   * stay serialized by its task's `exclusive` section.
   */
  readonly partitionsConcurrently?: number;
}

export interface RunnerDeps {
  readonly kafka: k.Kafka;
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Root of local state; stores live in `<stateDir>/<app>/<store>/<partition>`. */
  readonly stateDir: string;
}

export class StreamRunner<In extends TopicKey> {
  /** Resolves after `stop()`; rejects when the runner fails for good (a non-retriable error). */
  readonly done: Promise<void>;
  readonly #o: RunnerOptions<In>;
  readonly #d: RunnerDeps;
  readonly #groupId: string;
  readonly #runtime: RuntimeMetrics;
  readonly #tasks = new Map<number, Promise<TaskEntry<In>>>();
  /** The entry each settled creation in #tasks gave (abandon must not await a creation in progress). */
  readonly #created = new WeakMap<Promise<TaskEntry<In>>, TaskEntry<In>>();
  /** Closes in progress: a re-assigned partition waits for them (its RocksDB is still open). */
  readonly #closing = new Map<number, Promise<void>>();
  readonly #admin: k.Admin;
  readonly #consumer: k.Consumer;
  readonly #producer: k.Producer | undefined;
  readonly #reader: KafkaChangelogReader;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #stopping: Promise<void> | undefined;
  #resolve!: () => void;
  #reject!: (e: unknown) => void;

  constructor(options: RunnerOptions<In>, deps: RunnerDeps) {
    this.#o = options;
    this.#d = deps;
    this.#groupId = options.groupId ?? `backtrack-${options.app}`;
    this.#runtime = runtimeMetrics(deps.metrics);
    this.#admin = k.createAdmin(deps.kafka);
    this.#consumer = k.createConsumer(deps.kafka, {
      groupId: this.#groupId,
      copartitioned: options.inputs.length > 1,
      ...(options.sessionTimeoutMs ? { sessionTimeout: options.sessionTimeoutMs } : {}),
      ...(options.maxBatchBytes === undefined ? {} : { maxBytesPerPartition: options.maxBatchBytes }),
      ...(options.maxFetchBytes === undefined ? {} : { maxBytes: options.maxFetchBytes }),
    });
    this.#producer = options.exactlyOnce === true ? undefined : k.createIdempotentProducer(deps.kafka);
    this.#reader = new KafkaChangelogReader(deps.kafka, this.#admin, deps.logger, {
      groupPrefix: this.#groupId,
    });
    this.done = new Promise((resolve, reject) => ((this.#resolve = resolve), (this.#reject = reject)));
    this.done.catch(() => undefined);
  }

  async start(): Promise<void> {
    const { codec, logger } = this.#d;
    await codec.registerSchemas(this.#o.outputs ?? []);
    await this.#admin.connect();
    await this.#producer?.connect();
    const c = this.#consumer;
    c.on(c.events.GROUP_JOIN, ({ payload }) => this.#onAssignment(payload.memberAssignment));
    c.on(c.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      const error = unwrapKafkaError(payload.error);
      if (isFatal(error)) void this.#fail(error);
      else void this.#restartConsumer(error);
    });
    await this.#runConsumer();
    this.#timer = setInterval(() => void this.#tick(), this.#o.wallClockTickMs ?? 1_000);
    logger.info(
      { groupId: this.#groupId, topics: this.#topics(), exactlyOnce: this.#o.exactlyOnce === true },
      'runner started',
    );
  }

  #topics(): string[] {
    return this.#o.inputs.map((key) => this.#d.codec.bindings[key].name);
  }

  async #runConsumer(): Promise<void> {
    const c = this.#consumer;
    await c.connect();
    await c.subscribe({ topics: this.#topics(), fromBeginning: this.#o.fromBeginning !== false });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#o.partitionsConcurrently ?? 1,
      eachBatch: (payload) => this.#onBatch(payload),
    });
  }

  /**
   * kafkajs stops for good after an error it marks non-retriable, including "group coordinator not
   * found" once its own retries ran out while a broker restarts. The cluster being unreachable is not
   * the service's failure: the consumer is started again (its partitions' tasks stay open and are
   * reconciled at the next assignment), with backoff, until it runs or the runner stops.
   */
  async #restartConsumer(error: unknown): Promise<void> {
    for (let attempt = 0; this.#stopping === undefined; attempt++) {
      const delayMs = Math.min(30_000, 1_000 * 2 ** attempt);
      this.#d.logger.warn(
        { err: error, attempt: attempt + 1, delayMs },
        'consumer stopped: cluster unreachable; starting it again',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.#stopping !== undefined) return;
      try {
        await this.#consumer.disconnect().catch(() => undefined);
        await this.#runConsumer();
        this.#runtime.consumerRestarts.inc();
        return;
      } catch (next) {
        if (isFatal(next)) return this.#fail(next);
        error = next;
      }
    }
  }

  /** Stops consuming, closes every task (processor close → last commit → stores), disconnects. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown(undefined);
    return this.#stopping;
  }

  async #shutdown(error: unknown): Promise<void> {
    clearInterval(this.#timer);
    await this.#consumer.stop().catch(() => undefined);
    for (const p of [...this.#tasks.keys()]) await this.#closeTask(p);
    await Promise.all([...this.#closing.values()]);
    await this.#consumer.disconnect().catch(() => undefined);
    await this.#producer?.disconnect().catch(() => undefined);
    await this.#admin.disconnect().catch(() => undefined);
    if (error === undefined) this.#resolve();
    else this.#reject(error);
  }

  async #fail(error: unknown, where: { partition?: number; topic?: string } = {}): Promise<void> {
    if (this.#stopping === undefined)
      this.#d.logger.error(
        { err: error, ...where, retriable: false },
        'runner failed for good: non-retriable error; stopping (no task is rebuilt)',
      );
    this.#stopping ??= this.#shutdown(error);
    await this.#stopping;
  }

  #onAssignment(assignment: Record<string, number[]>): void {
    if (this.#stopping !== undefined) return;
    const assigned = new Set(Object.values(assignment).flat());
    this.#d.logger.info({ partitions: [...assigned].sort((a, b) => a - b) }, 'partitions assigned');
    for (const p of [...this.#tasks.keys()]) {
      if (assigned.has(p)) continue;
      void this.#closeTask(p);
      // Its lag is now for the member that reads it to report; a stale series here would stay flat.
      for (const key of this.#o.inputs)
        this.#runtime.lag.remove({ topic: this.#d.codec.bindings[key].name, partition: String(p) });
    }
    for (const p of assigned) this.#ensureTask(p);
  }

  #ensureTask(partition: number): Promise<TaskEntry<In>> {
    if (this.#stopping !== undefined) return Promise.reject(new RunnerStoppedError('runner stopping'));
    let entry = this.#tasks.get(partition);
    if (entry === undefined) {
      const created = this.#createTask(partition);
      entry = created;
      this.#tasks.set(partition, created);
      created.then((e) => this.#created.set(created, e)).catch(() => undefined);
      created.catch((error: unknown) => {
        if (this.#tasks.get(partition) === created) this.#tasks.delete(partition);
        if (!(error instanceof RunnerStoppedError))
          this.#d.logger.warn({ err: error, partition }, 'task creation failed');
      });
    }
    return entry;
  }

  async #createTask(partition: number): Promise<TaskEntry<In>> {
    await this.#closing.get(partition);
    const { kafka, codec, metrics, stateDir } = this.#d;
    const { app } = this.#o;
    const logger = this.#d.logger.child({ partition });
    const writer = new SenderChangelogWriter();
    const producer =
      this.#o.exactlyOnce === true
        ? k.createTransactionalProducer(kafka, `${this.#groupId}-${partition}`)
        : undefined;
    let stores: Awaited<ReturnType<typeof openTaskStores>> | undefined;
    try {
      await producer?.connect();
      stores = await openTaskStores(this.#o.stores ?? [], {
        app,
        partition,
        stateDir,
        changelogTopic: this.#o.changelogTopic ?? ((store) => changelogTopic(app, store)),
        writer,
        reader: this.#reader,
        metrics,
        runtime: this.#runtime,
        logger,
      });
      const processor = this.#o.processor(partition);
      const task = new PartitionTask<In>({
        app,
        partition,
        processor,
        stores,
        codec,
        logger,
        metrics,
        runtime: this.#runtime,
      });
      await task.init();
      return { task, writer, producer, closed: false };
    } catch (error) {
      for (const s of stores?.values() ?? []) await s.outer.close().catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  #taskFor(partition: number, heartbeat: () => Promise<void>): Promise<TaskEntry<In>> {
    return heartbeatWhile(this.#ensureTask(partition), heartbeat);
  }

  async #onBatch(payload: k.EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    if (this.#stopping !== undefined) return;
    const binding = this.#d.codec.bindingOf(batch.topic);
    if (binding === undefined) throw new Error(`runner: unexpected topic ${batch.topic}`);
    const key = binding.key as In;
    const entry = await this.#taskFor(batch.partition, heartbeat);
    const endTimer = this.#runtime.batchSeconds.startTimer();
    let failure: unknown;
    const section = entry.task.exclusive(async () => {
      if (entry.closed) {
        failure = new TaskClosedError(`partition ${batch.partition}: task closed while the batch waited`);
        return;
      }
      let last: k.KafkaMessage | undefined;
      let consumed = 0;
      try {
        for (const [i, message] of batch.messages.entries()) {
          if (!isRunning() || isStale()) break;
          if (await this.#processOne(entry.task, key, batch.topic, batch.partition, message)) consumed++;
          last = message;
          if (i % 50 === 49) await heartbeat();
        }
        if (consumed > 0) this.#runtime.consumed.inc({ topic: batch.topic }, consumed);
        if (last === undefined) return;
        const done = last === batch.messages.at(-1) ? batch.lastOffset() : last.offset;
        const next = (BigInt(done) + 1n).toString();
        await commitTask(
          entry,
          { groupId: this.#groupId, producer: this.#producer, runtime: this.#runtime },
          {
            offset: { topic: batch.topic, partition: batch.partition, offset: next },
            commit: payload.commitOffsetsIfNecessary,
          },
        );
        payload.resolveOffset(done);
      } catch (error) {
        failure = error;
        await this.#abandon(batch.partition, entry, error);
      }
    });
    await heartbeatWhile(section, heartbeat, { ignoreErrors: true });
    if (failure !== undefined) {
      if (!isFatal(failure)) throw failure;
      // Not thrown: kafkajs would re-deliver the batch to a rebuilt task, failing the same way forever.
      void this.#fail(failure, { partition: batch.partition, topic: batch.topic });
      return;
    }
    endTimer();
    this.#runtime.lag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Number(batch.offsetLag()),
    );
    await heartbeat();
  }

  async #processOne(
    task: PartitionTask<In>,
    key: In,
    topic: string,
    partition: number,
    message: k.KafkaMessage,
  ): Promise<boolean> {
    const input = await toInputRecord(this.#d.codec, key, partition, message, this.#o);
    if (input.ok) {
      await task.process(input.record);
      return true;
    }
    const { error } = input;
    const dlq = deadLetter(topic, partition, message, error);
    task.deadLetter(dlq.topic, dlq.message);
    this.#runtime.deadLettered.inc({ topic, reason: error.reason });
    this.#d.logger.warn(
      { topic, partition, offset: message.offset, reason: error.reason, err: error.message },
      'dead-lettered',
    );
    return false;
  }

  /**
   * Drops a task after a failure: its uncommitted outputs and state are discarded. Called only inside
   * the task's `exclusive` section, so nothing else is using its stores; `closed` keeps every later
   * section off them. A re-assigned partition waits for the close (its RocksDB is still open).
   */
  async #abandon(partition: number, entry: TaskEntry<In>, error: unknown): Promise<void> {
    const fatal = isFatal(error);
    this.#d.logger[fatal ? 'error' : 'warn'](
      { err: error, partition },
      fatal ? 'task failed (non-retriable); task dropped' : 'task failed; task dropped, will be rebuilt',
    );
    entry.closed = true;
    const current = this.#tasks.get(partition);
    if (current !== undefined && this.#created.get(current) === entry) this.#tasks.delete(partition);
    const closing = (async () => {
      await Promise.resolve(entry.task.closeProcessor()).catch(() => undefined);
      entry.task.takeOutputs();
      await entry.task.closeStores();
      await entry.producer?.disconnect().catch(() => undefined);
    })();
    const previous = this.#closing.get(partition);
    const tracked = Promise.all([previous, closing]).then(() => undefined);
    this.#closing.set(partition, tracked);
    await closing;
    if (this.#closing.get(partition) === tracked) this.#closing.delete(partition);
  }

  #closeTask(partition: number): Promise<void> {
    const closing = this.#close(partition).finally(() => {
      if (this.#closing.get(partition) === closing) this.#closing.delete(partition);
    });
    this.#closing.set(partition, closing);
    return closing;
  }

  async #close(partition: number): Promise<void> {
    const pending = this.#tasks.get(partition);
    this.#tasks.delete(partition);
    const entry = await pending?.catch(() => undefined);
    if (entry === undefined || entry.closed) return;
    await entry.task.exclusive(async () => {
      if (entry.closed) return;
      entry.closed = true;
      try {
        await entry.task.closeProcessor();
        await commitTask(entry, { groupId: this.#groupId, producer: this.#producer, runtime: this.#runtime });
      } catch (error) {
        this.#d.logger.warn({ err: error, partition }, 'closing task: last commit failed');
      }
      await entry.task.closeStores();
      await entry.producer?.disconnect().catch(() => undefined);
    });
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#stopping !== undefined) return;
    this.#ticking = true;
    try {
      for (const [partition, pending] of [...this.#tasks]) {
        const entry = await pending.catch(() => undefined);
        if (entry === undefined || entry.closed || entry.task.minWallClockIntervalMs() === undefined)
          continue;
        let failure: unknown;
        await entry.task.exclusive(async () => {
          if (entry.closed || this.#stopping !== undefined) return;
          try {
            const fired = await entry.task.punctuateWallClock();
            if (fired > 0)
              await commitTask(entry, {
                groupId: this.#groupId,
                producer: this.#producer,
                runtime: this.#runtime,
              });
          } catch (error) {
            failure = error;
            await this.#abandon(partition, entry, error);
          }
        });
        if (failure === undefined) continue;
        if (isFatal(failure)) await this.#fail(failure, { partition });
        else this.#ensureTask(partition).catch(() => undefined);
      }
    } finally {
      this.#ticking = false;
    }
  }
}

/** kafkajs wraps what eachBatch threw in its own retry errors; the service wants the original. */
function unwrapKafkaError(error: Error): unknown {
  let e: unknown = error;
  while (e instanceof Error && e.name.startsWith('KafkaJS') && e.cause !== undefined) e = e.cause;
  return e;
}
