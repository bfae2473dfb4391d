/**
 * Notifications of one partition, from the state change that caused them to their delivery: written to
 * the store (outbox) in the same transaction as the change, handed to the notifier only after that
 * transaction committed, and removed (or turned into a `notification_failed` audit event by the
 * processor) in a later transaction once the notifier is done. A crash between delivery and removal
 * delivers again: at-least-once. Every POST of one entry carries the same `Idempotency-Key`
 * (`backtrack-<partition>-<seq>`), and PagerDuty de-duplicates by its dedup_key.
 *
 * Lifecycle: owned by one processor; every method runs under the task's lock except the notifier's
 * deliveries, whose outcomes queue up until `drain`.
 */
import type { Notification } from './core/index.ts';
import type { DeliveryOutcome, NotificationSink } from './notifier.ts';
import type { OutboxEntry, ReversionStateStore } from './state-store.ts';

/** A delivery that failed for good: the processor audits it. */
export interface FailedDelivery {
  readonly notification: Notification;
  readonly channel: string;
  readonly error: string;
}

interface Finished {
  readonly seq: number;
  readonly targetId: string;
  readonly outcome: DeliveryOutcome;
}

const key = (seq: number, targetId: string): string => `${seq}|${targetId}`;

export class NotificationOutbox {
  readonly #store: ReversionStateStore;
  readonly #sink: NotificationSink;
  readonly #now: () => number;
  readonly #partition: number;
  readonly #entries = new Map<number, OutboxEntry>();
  /** Enqueued since the last commit: not deliverable yet. */
  readonly #uncommitted = new Set<number>();
  /** Dispatched and not drained yet. */
  readonly #inflight = new Map<string, Promise<void>>();
  #finished: Finished[] = [];
  #seq: number;
  readonly #abort = new AbortController();
  #closed = false;

  constructor(
    store: ReversionStateStore,
    sink: NotificationSink,
    loaded: { partition: number; entries: readonly OutboxEntry[]; seq: number },
    now: () => number,
  ) {
    this.#partition = loaded.partition;
    this.#store = store;
    this.#sink = sink;
    this.#now = now;
    this.#seq = loaded.seq;
    for (const e of loaded.entries) this.#entries.set(e.seq, e);
  }

  /** Entries awaiting delivery to at least one target. */
  get size(): number {
    return this.#entries.size;
  }

  /** Stores the notifications for delivery after the current transaction commits. */
  async enqueue(notifications: readonly Notification[]): Promise<void> {
    const targets = this.#sink.targetIds();
    if (targets.length === 0) return;
    for (const notification of notifications) {
      const entry: OutboxEntry = { seq: ++this.#seq, notification, targets, enqueuedAt: this.#now() };
      await this.#store.putOutbox(entry);
      this.#entries.set(entry.seq, entry);
      this.#uncommitted.add(entry.seq);
    }
  }

  /** The transaction that stored the latest entries committed: deliver them now. */
  committed(): void {
    const fresh = [...this.#uncommitted];
    this.#uncommitted.clear();
    for (const seq of fresh) this.#dispatch(seq);
  }

  /** Delivers every committed entry not being delivered (after a restart, or an aborted attempt). */
  dispatchPending(): void {
    for (const seq of this.#entries.keys()) if (!this.#uncommitted.has(seq)) this.#dispatch(seq);
  }

  /** Applies finished deliveries to the store; returns the final failures, for the audit trail. */
  async drain(): Promise<FailedDelivery[]> {
    const finished = this.#finished;
    this.#finished = [];
    const failed: FailedDelivery[] = [];
    const changed = new Set<number>();
    for (const { seq, targetId, outcome } of finished) {
      this.#inflight.delete(key(seq, targetId));
      const entry = this.#entries.get(seq);
      if (entry === undefined || outcome.kind === 'aborted') continue;
      if (outcome.kind === 'failed')
        failed.push({ notification: entry.notification, channel: outcome.channel, error: outcome.error });
      this.#entries.set(seq, { ...entry, targets: entry.targets.filter((t) => t !== targetId) });
      changed.add(seq);
    }
    for (const seq of changed) {
      const entry = this.#entries.get(seq);
      if (entry === undefined) continue;
      if (entry.targets.length > 0) await this.#store.putOutbox(entry);
      else {
        this.#entries.delete(seq);
        await this.#store.deleteOutbox(seq);
      }
    }
    return failed;
  }

  /** Stops deliveries in progress and waits for them; undelivered entries stay for the next owner. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    await Promise.all(this.#inflight.values());
  }

  #dispatch(seq: number): void {
    const entry = this.#entries.get(seq);
    if (entry === undefined || this.#closed) return;
    for (const targetId of entry.targets) {
      const k = key(seq, targetId);
      if (this.#inflight.has(k)) continue;
      const done = this.#sink
        .deliver(entry.notification, targetId, {
          signal: this.#abort.signal,
          idempotencyKey: `backtrack-${this.#partition}-${seq}`,
        })
        .catch((): DeliveryOutcome => ({ kind: 'aborted' }))
        .then((outcome) => void this.#finished.push({ seq, targetId, outcome }));
      this.#inflight.set(k, done);
    }
  }
}
