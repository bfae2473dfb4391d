import { checkKey, copy, inRange, keyBuffer, keyString } from './bytes.ts';
import type { KeyRange, KeyValue, KeyValueStore, KeyValueWrite } from './key-value-store.ts';
import { ProgrammerError } from '../errors.ts';

/** In-memory store: a Map; ranges sort the keys in range on each call. Nothing survives close. */
export class MemoryStore implements KeyValueStore {
  readonly #entries = new Map<string, Buffer>();
  #closed = false;

  constructor(readonly name: string) {}

  get size(): number {
    return this.#entries.size;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    this.#check(key);
    const value = this.#entries.get(keyString(key));
    return value === undefined ? undefined : copy(value);
  }

  async put(key: Buffer, value: Buffer): Promise<void> {
    this.#check(key);
    this.#entries.set(keyString(key), copy(value));
  }

  async delete(key: Buffer): Promise<void> {
    this.#check(key);
    this.#entries.delete(keyString(key));
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    this.#check();
    batch.forEach((w) => checkKey(w.key));
    for (const { key, value } of batch) {
      if (value === null) this.#entries.delete(keyString(key));
      else this.#entries.set(keyString(key), copy(value));
    }
  }

  async *range(range?: KeyRange): AsyncIterable<KeyValue> {
    this.#check();
    const keys = [...this.#entries.keys()].filter((k) => inRange(k, range)).sort();
    for (const k of keys) {
      const value = this.#entries.get(k);
      if (value !== undefined) yield { key: keyBuffer(k), value: copy(value) };
    }
  }

  async clear(): Promise<void> {
    this.#check();
    this.#entries.clear();
  }

  async flush(): Promise<void> {
    this.#check();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(key?: Buffer): void {
    if (this.#closed) throw new ProgrammerError(`store ${this.name} used after close`);
    if (key !== undefined) checkKey(key);
  }
}
