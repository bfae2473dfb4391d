import { mkdir } from 'node:fs/promises';
import rocksdb, { type RocksDB } from 'rocksdb';
import { checkKey } from './bytes.ts';
import type { KeyRange, KeyValue, KeyValueStore, KeyValueWrite } from './key-value-store.ts';
import { UnavailableError } from '../errors.ts';

function call<T = void>(fn: (cb: (err: Error | undefined | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/**
 * A RocksDB database (npm `rocksdb`) in its own directory. A single awaited `get` costs about 50 µs,
 * so keep hot state in a `CachingStore` above it and write in batches. `flush()` is a no-op: RocksDB's
 * write-ahead log already survives a process crash; the changelog covers losing the disk.
 */
export class RocksDbStore implements KeyValueStore {
  readonly #db: RocksDB;

  private constructor(
    readonly name: string,
    readonly path: string,
    db: RocksDB,
  ) {
    this.#db = db;
  }

  /** Opens (creating if missing) the database at `path`. */
  static async open(name: string, path: string): Promise<RocksDbStore> {
    await mkdir(path, { recursive: true });
    const db = rocksdb(path);
    try {
      await call((cb) => db.open({ createIfMissing: true }, cb));
    } catch (cause) {
      throw new UnavailableError(`cannot open RocksDB store ${name} at ${path}`, { cause });
    }
    return new RocksDbStore(name, path, db);
  }

  /** Deletes the database files at `path` (the store must be closed). */
  static destroy(path: string): Promise<void> {
    return call((cb) => rocksdb.destroy(path, cb));
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    checkKey(key);
    try {
      return await call<Buffer>((cb) => this.#db.get(key, { asBuffer: true }, cb));
    } catch (err) {
      if (/NotFound/.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  async put(key: Buffer, value: Buffer): Promise<void> {
    checkKey(key);
    await call((cb) => this.#db.put(key, value, cb));
  }

  async delete(key: Buffer): Promise<void> {
    checkKey(key);
    await call((cb) => this.#db.del(key, cb));
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    if (batch.length === 0) return;
    batch.forEach((w) => checkKey(w.key));
    const ops = batch.map(({ key, value }) =>
      value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value },
    );
    await call((cb) => this.#db.batch(ops, cb));
  }

  async *range(range: KeyRange = {}): AsyncIterable<KeyValue> {
    const it = this.#db.iterator({
      ...(range.gte ? { gte: range.gte } : {}),
      ...(range.lt ? { lt: range.lt } : {}),
      keyAsBuffer: true,
      valueAsBuffer: true,
    });
    try {
      for (;;) {
        const [key, value] = await new Promise<[Buffer?, Buffer?]>((resolve, reject) =>
          it.next((err, k, v) => (err ? reject(err) : resolve([k, v]))),
        );
        if (key === undefined || value === undefined) return;
        yield { key, value };
      }
    } finally {
      await call((cb) => it.end((err) => cb(err, undefined)));
    }
  }

  clear(): Promise<void> {
    return call((cb) => this.#db.clear({}, cb));
  }

  async flush(): Promise<void> {}

  close(): Promise<void> {
    return call((cb) => this.#db.close(cb));
  }
}
