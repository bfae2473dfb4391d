// Minimal types of npm `rocksdb` 5.x (abstract-leveldown 7 API), as used by rocksdb-store.ts.
declare module 'rocksdb' {
  export type Callback<T = void> = (err: Error | undefined | null, value: T) => void;
  export interface Iterator {
    next(cb: (err: Error | undefined | null, key?: Buffer, value?: Buffer) => void): void;
    end(cb: (err?: Error | null) => void): void;
  }
  export interface BatchOp {
    type: 'put' | 'del';
    key: Buffer;
    value?: Buffer;
  }
  export interface RangeOptions {
    gte?: Buffer;
    lt?: Buffer;
  }
  export interface RocksDB {
    open(options: { createIfMissing?: boolean; errorIfExists?: boolean }, cb: Callback): void;
    close(cb: Callback): void;
    get(key: Buffer, options: { asBuffer: boolean }, cb: Callback<Buffer>): void;
    put(key: Buffer, value: Buffer, cb: Callback): void;
    del(key: Buffer, cb: Callback): void;
    batch(ops: BatchOp[], cb: Callback): void;
    clear(options: RangeOptions, cb: Callback): void;
    iterator(options: RangeOptions & { keyAsBuffer: boolean; valueAsBuffer: boolean }): Iterator;
  }
  export interface RocksDBFactory {
    (location: string): RocksDB;
    destroy(location: string, cb: Callback): void;
  }
  const rocksdb: RocksDBFactory;
  export default rocksdb;
}
