import { ProgrammerError } from '../errors.ts';
import type { KeyRange, KeyValueStore, KeyValueWrite } from './key-value-store.ts';
import type { Serde } from './serde.ts';

/** What {@link ObjectCache.peek} returns for a key it holds nothing about. */
export const NOT_CACHED: unique symbol = Symbol('not cached');

interface Entry<V> {
  /** undefined: deleted (dirty) or known absent (clean). */
  value: V | undefined;
  dirty: boolean;
  /** The flush interval of the last move to the most-recent end. */
  gen: number;
}

/**
 * Write-back cache of decoded values over a bytes store, for state read and changed on every record
 * (a tenant's windows): values stay decoded in memory and are serialized once per commit, by
 * `flush()`, which the processor calls from its `flush` hook. Like `TypedStore`, it is the outermost
 * layer, the only one that knows types.
 *
 * Values handed out by `get` are live objects: change them in place, then `set` them to mark them
 * dirty. At most `maxEntries` values stay cached after a flush (least recently used go first); between
 * flushes the cache holds whatever was touched. Recency is kept per flush interval: an entry moves to
 * the most-recent end at its first use after a flush only (one Map re-insertion per key and commit,
 * not per record).
 */
export class ObjectCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  #gen = 0;

  constructor(
    readonly store: KeyValueStore,
    readonly keys: Serde<string>,
    readonly values: Serde<V>,
    readonly maxEntries = 10_000,
  ) {
    if (!(Number.isSafeInteger(maxEntries) && maxEntries >= 0))
      throw new ProgrammerError(`ObjectCache maxEntries must be an integer >= 0, got ${maxEntries}`);
  }

  /** Values held in memory (clean, dirty or known absent). */
  get size(): number {
    return this.#entries.size;
  }

  get dirtyCount(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.dirty) n++;
    return n;
  }

  async get(key: string): Promise<V | undefined> {
    const hit = this.peek(key);
    if (hit !== NOT_CACHED) return hit;
    const bytes = await this.store.get(this.keys.serialize(key));
    const value = bytes === undefined ? undefined : this.values.deserialize(bytes);
    this.#entries.set(key, { value, dirty: false, gen: this.#gen });
    return value;
  }

  /**
   * The value of `key` if the cache knows it (undefined: known absent), without touching the store:
   * a synchronous fast path for callers that fall back to `get` on {@link NOT_CACHED}. Counts as a use.
   */
  peek(key: string): V | undefined | typeof NOT_CACHED {
    const hit = this.#entries.get(key);
    if (hit === undefined) return NOT_CACHED;
    if (hit.gen !== this.#gen) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      hit.gen = this.#gen;
    }
    return hit.value;
  }

  /** Stores `value` (a new one, or one `get` returned and that was changed in place) until the next flush. */
  set(key: string, value: V): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.value === value && entry.gen === this.#gen) {
      entry.dirty = true;
      return;
    }
    this.#entries.delete(key);
    this.#entries.set(key, { value, dirty: true, gen: this.#gen });
  }

  delete(key: string): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value: undefined, dirty: true, gen: this.#gen });
  }

  /**
   * Every entry of the store within `range` (as of the last flush), decoded, in store order; up to
   * `maxEntries` of them stay cached. For rebuilding indexes when a partition is assigned; do not
   * write while iterating.
   */
  async *scan(range?: KeyRange): AsyncIterable<[string, V]> {
    for await (const { key, value } of this.store.range(range)) {
      const k = this.keys.deserialize(key);
      const cached = this.#entries.get(k);
      if (cached !== undefined) {
        if (cached.value !== undefined) yield [k, cached.value];
        continue;
      }
      const v = this.values.deserialize(value);
      if (this.#entries.size < this.maxEntries)
        this.#entries.set(k, { value: v, dirty: false, gen: this.#gen });
      yield [k, v];
    }
  }

  /** Writes every dirty value to the store as one batch, then trims the cache to `maxEntries`. */
  async flush(): Promise<void> {
    const dirty = [...this.#entries].filter(([, e]) => e.dirty);
    if (dirty.length > 0) {
      const writes: KeyValueWrite[] = dirty.map(([k, e]) => ({
        key: this.keys.serialize(k),
        value: e.value === undefined ? null : this.values.serialize(e.value),
      }));
      await this.store.write(writes);
      for (const [, e] of dirty) e.dirty = false;
    }
    for (const k of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(k);
    }
    this.#gen++;
  }

  /** Forgets every cached value without writing (after a failure, the store is the truth). */
  discard(): void {
    this.#entries.clear();
  }
}
