/**
 * The producer's buffer: items accepted but not yet acknowledged, bounded by `capacity`. When full, a
 * new item waits (FIFO) until an acknowledgement frees room; nothing is ever dropped. Synchronous and
 * clock-free: the owner decides when to take a batch and when to give up waiting.
 */

export interface Waiter {
  /** Resolves once the item is admitted into the queue; rejects if cancelled first. */
  readonly promise: Promise<void>;
  /** Gives up waiting; a no-op once admitted. Returns whether it was still waiting. */
  cancel(reason: Error): boolean;
}

interface Waiting<T> {
  readonly item: T;
  resolve(): void;
  reject(reason: Error): void;
}

export class BoundedQueue<T> {
  readonly capacity: number;
  #queued: T[] = [];
  #head = 0;
  #inFlight = 0;
  readonly #waiting: Waiting<T>[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be ≥ 1, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Admits `item` if there is room and nobody waits ahead of it. */
  tryPush(item: T): boolean {
    if (this.#waiting.length > 0 || this.size >= this.capacity) return false;
    this.#queued.push(item);
    return true;
  }

  /** Queues `item` behind the earlier waiters; it is admitted, in order, as room frees. */
  wait(item: T): Waiter {
    let entry!: Waiting<T>;
    const promise = new Promise<void>((resolve, reject) => {
      entry = { item, resolve, reject };
    });
    this.#waiting.push(entry);
    this.#admit();
    return {
      promise,
      cancel: (reason) => {
        const i = this.#waiting.indexOf(entry);
        if (i < 0) return false;
        this.#waiting.splice(i, 1);
        entry.reject(reason);
        return true;
      },
    };
  }

  /** The oldest admitted item not yet taken. */
  peek(): T | undefined {
    return this.#queued[this.#head];
  }

  /** Takes up to `max` admitted items, oldest first; they count as in flight until `release`. */
  take(max: number): T[] {
    const end = Math.min(this.#queued.length, this.#head + max);
    const out = this.#queued.slice(this.#head, end);
    this.#head = end;
    if (this.#head > 1024 && this.#head * 2 > this.#queued.length) {
      this.#queued = this.#queued.slice(this.#head);
      this.#head = 0;
    }
    this.#inFlight += out.length;
    return out;
  }

  /** `n` in-flight items are done (acknowledged or given up): their room goes to the waiters. */
  release(n: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - n);
    this.#admit();
  }

  /** Admitted items: queued plus in flight. Never above `capacity`. */
  get size(): number {
    return this.queued + this.#inFlight;
  }

  get queued(): number {
    return this.#queued.length - this.#head;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Items blocked in `wait`. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #admit(): void {
    while (this.#waiting.length > 0 && this.size < this.capacity) {
      const next = this.#waiting.shift() as Waiting<T>;
      this.#queued.push(next.item);
      next.resolve();
    }
  }
}
