/**
 * The gateway's telemetry producer: Avro (Confluent wire format, registry-cached schema ids) keyed by
 * tenantId, to the `telemetry` and `evals` topics of the codec's bindings, batched by linger time and
 * batch size through one idempotent producer with one request in flight.
 *
 * Memory is bounded: at most `maxBufferedEvents` events are accepted and not yet acknowledged. When
 * the buffer is full, `send` waits (FIFO) for room: backpressure, never a silent drop. Events the
 * broker never acknowledges are counted and reported by the next `flush()` / `close()`.
 */
import type { EvalEvent, TelemetryEvent } from '../../schemas/types.ts';
import type { Codec } from '../core/codec.ts';
import { createIdempotentProducer, type Kafka, type Message, type Producer } from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import { Metrics } from '../core/metrics.ts';
import { BoundedQueue } from './bounded-queue.ts';
import { DeliveryError, ProducerClosedError, WaitTimeoutError } from './errors.ts';
import { producerMetrics, type ProducerMetrics } from './gateway-metrics.ts';
import { sendWithRetry } from './send-with-retry.ts';

export type GatewayEvent = TelemetryEvent | EvalEvent;

export interface TelemetryProducerOptions {
  readonly kafka: Kafka;
  /** Its `telemetry` and `evals` bindings name the topics. */
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** ms an event may wait for companions before its batch is sent. Default 10. */
  readonly lingerMs?: number;
  /** Events per produce request, at most. Default 1000. */
  readonly maxBatchEvents?: number;
  /** Events accepted but not yet acknowledged, at most. Default 20 000. */
  readonly maxBufferedEvents?: number;
  /** ms `send` may wait for room before rejecting with WaitTimeoutError. Default 60 000. */
  readonly maxBlockMs?: number;
  /** ms a batch is retried (broker unavailable) before its events count as failed. Default 120 000. */
  readonly deliveryTimeoutMs?: number;
  /** Kafka record timestamp: the event's own time (default) or the time of sending. */
  readonly recordTimestamp?: 'event-time' | 'send-time';
}

export interface DeliveredBatch {
  readonly eventTimes: readonly number[];
  /** Wall clock of the acknowledgement, epoch ms. */
  readonly ackedAt: number;
}

export interface ProducerStats {
  readonly sent: number;
  readonly failed: number;
  readonly batches: number;
  /** send() calls that had to wait for room. */
  readonly blocked: number;
  /** Accepted, not yet acknowledged. */
  readonly buffered: number;
  /** send() calls waiting for room now. */
  readonly waiting: number;
}

interface Pending {
  readonly seq: number;
  readonly topic: string;
  readonly message: Message;
  readonly eventTime: number;
  /** performance.now() at admission request */
  readonly at: number;
}

export class TelemetryProducer {
  readonly #o: Required<Omit<TelemetryProducerOptions, 'metrics'>>;
  readonly #delivered = new Set<(batch: DeliveredBatch) => void>();
  readonly #producer: Producer;
  readonly #queue: BoundedQueue<Pending>;
  readonly #m: ProducerMetrics;
  readonly #log: Logger;
  #seq = 0;
  #settledSeq = 0;
  #flushWaiters: { target: number; resolve: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pump: Promise<void> | undefined;
  /** A kick arrived while the pump was running: it must look at the queue once more. */
  #again = false;
  #closing = false;
  /** Aborted when close() times out: batches still queued then fail at once instead of retrying. */
  readonly #abort = new AbortController();
  #stats = { sent: 0, failed: 0, batches: 0, blocked: 0 };
  #failures: { events: number; last: unknown } = { events: 0, last: undefined };

  constructor(options: TelemetryProducerOptions) {
    this.#o = {
      lingerMs: 10,
      maxBatchEvents: 1_000,
      maxBufferedEvents: 20_000,
      maxBlockMs: 60_000,
      deliveryTimeoutMs: 120_000,
      recordTimestamp: 'event-time',
      ...options,
    };
    this.#producer = createIdempotentProducer(options.kafka);
    this.#queue = new BoundedQueue(this.#o.maxBufferedEvents);
    this.#m = producerMetrics(options.metrics ?? new Metrics({ service: 'gateway', defaultMetrics: false }));
    this.#log = options.logger.child({ component: 'telemetry-producer' });
  }

  /** Connects and registers the two value schemas (once per process; ids are cached by the codec). */
  async start(): Promise<void> {
    await this.#producer.connect();
    const missing = (['telemetry', 'evals'] as const).filter((k) => this.#o.codec.schemaId(k) === undefined);
    if (missing.length > 0) await this.#o.codec.registerSchemas(missing);
  }

  /**
   * Encodes and buffers one event. Resolves once it is accepted into the buffer (not acknowledged:
   * see `flush`); waits while the buffer is full. Rejects with ValidationError if the event does not fit
   * its schema, WaitTimeoutError after `maxBlockMs` without room, ProducerClosedError after `close()`.
   */
  async send(event: GatewayEvent): Promise<void> {
    if (this.#closing) throw new ProducerClosedError('send() after close()');
    const isEval = 'evalId' in event;
    const codec = this.#o.codec;
    const value = isEval ? codec.encode('evals', event) : codec.encode('telemetry', event);
    const message: Message = { key: event.tenantId, value };
    if (this.#o.recordTimestamp === 'event-time') message.timestamp = String(Math.trunc(event.timestamp));
    const topic = codec.bindings[isEval ? 'evals' : 'telemetry'].name;
    const pending: Pending = {
      seq: ++this.#seq,
      topic,
      message,
      eventTime: event.timestamp,
      at: performance.now(),
    };
    if (this.#queue.tryPush(pending)) return this.#admitted();
    this.#stats.blocked++;
    this.#m.blocked.inc();
    const waiter = this.#queue.wait(pending);
    this.#kick();
    const timer = setTimeout(() => {
      if (waiter.cancel(new WaitTimeoutError(`no buffer room within ${this.#o.maxBlockMs} ms`)))
        this.#settle(0);
    }, this.#o.maxBlockMs);
    try {
      await waiter.promise;
    } finally {
      clearTimeout(timer);
    }
    this.#admitted();
  }

  /**
   * Sends everything accepted before this call without waiting for the linger time, and resolves once
   * the broker acknowledged it. Rejects with DeliveryError if events failed since the last flush.
   */
  async flush(): Promise<void> {
    const target = this.#seq;
    if (this.#settledSeq < target && this.#queue.size + this.#queue.waiting > 0) {
      await new Promise<void>((resolve) => {
        this.#flushWaiters.push({ target, resolve });
        this.#kick();
      });
    }
    const { events, last } = this.#failures;
    if (events > 0) {
      this.#failures = { events: 0, last: undefined };
      throw new DeliveryError(events, `${events} events were not acknowledged`, { cause: last });
    }
  }

  /** Stops accepting, flushes (within `timeoutMs`), disconnects. Call on SIGTERM. */
  async close(timeoutMs = 30_000): Promise<void> {
    this.#closing = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const left = this.#queue.size + this.#queue.waiting;
        reject(new WaitTimeoutError(`close: ${left} events still unacknowledged after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    const flushed = this.flush();
    flushed.catch(() => undefined); // awaited below, unless the timeout wins the race
    try {
      await Promise.race([flushed, timeout]);
    } catch (error) {
      if (error instanceof WaitTimeoutError) this.#abort.abort(error);
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(this.#timer);
      await this.#producer.disconnect();
    }
  }

  /** Calls `listener` after each acknowledged request; returns the unsubscribe function. */
  onDelivered(listener: (batch: DeliveredBatch) => void): () => void {
    this.#delivered.add(listener);
    return () => this.#delivered.delete(listener);
  }

  stats(): ProducerStats {
    return { ...this.#stats, buffered: this.#queue.size, waiting: this.#queue.waiting };
  }

  #admitted(): void {
    this.#m.buffered.set(this.#queue.size);
    if (this.#queue.queued >= this.#o.maxBatchEvents || this.#pump !== undefined) this.#kick();
    else if (this.#timer === undefined) this.#arm(this.#o.lingerMs);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, ms);
  }

  #kick(): void {
    if (this.#pump !== undefined) {
      this.#again = true;
      return;
    }
    this.#pump = this.#drain().finally(() => {
      this.#pump = undefined;
      if (this.#again) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      this.#again = false;
      const head = this.#queue.peek();
      if (head === undefined) return;
      const age = performance.now() - head.at;
      const due =
        this.#closing ||
        this.#flushWaiters.length > 0 ||
        this.#queue.waiting > 0 ||
        this.#queue.queued >= this.#o.maxBatchEvents ||
        age >= this.#o.lingerMs;
      if (!due) return this.#arm(this.#o.lingerMs - age);
      clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#sendBatch(this.#queue.take(this.#o.maxBatchEvents));
    }
  }

  async #sendBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic);
      if (list === undefined) byTopic.set(p.topic, [p.message]);
      else list.push(p.message);
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const onRetry = (err: unknown, attempt: number): void =>
      this.#log.warn({ err, attempt, events: batch.length }, 'produce failed; retrying');
    const error = await sendWithRetry(this.#producer, topicMessages, {
      deadlineMs: this.#o.deliveryTimeoutMs,
      signal: this.#abort.signal,
      onRetry,
    });
    for (const [topic, messages] of byTopic) {
      if (error === undefined) this.#m.sent.inc({ topic }, messages.length);
      else this.#m.failed.inc({ topic }, messages.length);
    }
    if (error === undefined) {
      this.#stats.sent += batch.length;
      this.#stats.batches++;
      this.#m.batches.inc();
      this.#m.batchSeconds.observe((performance.now() - started) / 1000);
      if (this.#delivered.size > 0) {
        const delivered: DeliveredBatch = { eventTimes: batch.map((p) => p.eventTime), ackedAt: Date.now() };
        for (const listener of this.#delivered) listener(delivered);
      }
    } else {
      this.#stats.failed += batch.length;
      this.#failures = { events: this.#failures.events + batch.length, last: error };
      this.#log.error({ err: error, events: batch.length }, 'events not acknowledged');
    }
    this.#queue.release(batch.length);
    this.#settle(batch.at(-1)?.seq ?? 0);
  }

  #settle(seq: number): void {
    this.#settledSeq = Math.max(this.#settledSeq, seq);
    this.#m.buffered.set(this.#queue.size);
    const idle = this.#queue.size + this.#queue.waiting === 0;
    const ready = this.#flushWaiters.filter((w) => idle || w.target <= this.#settledSeq);
    if (ready.length === 0) return;
    this.#flushWaiters = this.#flushWaiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
