import { checkKey, copy, inRange, keyBuffer, keyString } from './bytes.ts';
import type { KeyRange, KeyValue, KeyValueStore, KeyValueWrite } from './key-value-store.ts';

interface Entry {
  /** null: deleted (dirty) or known absent (clean). */
  value: Buffer | null;
  dirty: boolean;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Dirty entries written to the inner store because the cache was full. */
  evictedDirty: number;
}

/**
 * Write-back LRU cache of at most `maxEntries` keys over another store. Writes stay in memory until
 * `flush()` (called before each commit) writes every dirty entry to the inner store as one batch;
 * evicting a dirty entry writes it through at once. Absent keys are cached too.
 */
export class CachingStore implements KeyValueStore {
  readonly stats: CacheStats = { hits: 0, misses: 0, evictedDirty: 0 };
  readonly #cache = new Map<string, Entry>();

  constructor(
    readonly inner: KeyValueStore,
    readonly maxEntries: number,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** Entries held in memory, dirty or clean. */
  get size(): number {
    return this.#cache.size;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    checkKey(key);
    const k = keyString(key);
    const hit = this.#cache.get(k);
    if (hit !== undefined) {
      this.stats.hits++;
      this.#cache.delete(k);
      this.#cache.set(k, hit);
      return hit.value === null ? undefined : copy(hit.value);
    }
    this.stats.misses++;
    const value = await this.inner.get(key);
    if (!this.#cache.has(k)) this.#cache.set(k, { value: value ?? null, dirty: false });
    await this.#evict();
    return value;
  }

  async put(key: Buffer, value: Buffer): Promise<void> {
    await this.write([{ key, value }]);
  }

  async delete(key: Buffer): Promise<void> {
    await this.write([{ key, value: null }]);
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    for (const { key, value } of batch) {
      checkKey(key);
      const k = keyString(key);
      this.#cache.delete(k);
      this.#cache.set(k, { value: value === null ? null : copy(value), dirty: true });
    }
    await this.#evict();
  }

  async *range(range?: KeyRange): AsyncIterable<KeyValue> {
    const cached = [...this.#cache].filter(([k]) => inRange(k, range)).sort(([a], [b]) => (a < b ? -1 : 1));
    const inner = this.inner.range(range)[Symbol.asyncIterator]();
    try {
      let next = await inner.next();
      let i = 0;
      for (;;) {
        const c = cached[i];
        const innerKey = next.done === true ? undefined : keyString(next.value.key);
        if (c === undefined && innerKey === undefined) return;
        if (c !== undefined && (innerKey === undefined || c[0] <= innerKey)) {
          i++;
          if (c[0] === innerKey) next = await inner.next();
          if (c[1].value !== null) yield { key: keyBuffer(c[0]), value: copy(c[1].value) };
        } else if (next.done !== true) {
          yield next.value;
          next = await inner.next();
        }
      }
    } finally {
      await inner.return?.();
    }
  }

  async clear(): Promise<void> {
    this.#cache.clear();
    await this.inner.clear();
  }

  async flush(): Promise<void> {
    const dirty: KeyValueWrite[] = [];
    for (const [k, entry] of this.#cache) {
      if (!entry.dirty) continue;
      dirty.push({ key: keyBuffer(k), value: entry.value });
      entry.dirty = false;
    }
    await this.inner.write(dirty);
    await this.inner.flush();
  }

  async close(): Promise<void> {
    this.#cache.clear();
    await this.inner.close();
  }

  async #evict(): Promise<void> {
    if (this.#cache.size <= this.maxEntries) return;
    const out: KeyValueWrite[] = [];
    for (const [k, entry] of this.#cache) {
      if (this.#cache.size <= this.maxEntries) break;
      this.#cache.delete(k);
      if (entry.dirty) out.push({ key: keyBuffer(k), value: entry.value });
    }
    this.stats.evictedDirty += out.length;
    await this.inner.write(out);
  }
}
