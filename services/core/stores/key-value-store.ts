/**
 * The bytes-level state store every layer implements. Keys order byte-wise (as RocksDB orders them);
 * values are opaque. Serialization belongs to the outermost layer only (`TypedStore`).
 *
 * Lifecycle: a store is opened by its factory, used by one partition task at a time, made durable by
 * `flush()` (called by the runtime before it commits offsets) and released by `close()`, which does
 * not flush: whatever was not flushed is dropped, as after a crash.
 */

export interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** One write of a batch: `value: null` deletes the key. */
export interface KeyValueWrite {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export interface KeyRange {
  /** Inclusive lower bound. */
  readonly gte?: Buffer;
  /** Exclusive upper bound. */
  readonly lt?: Buffer;
}

export interface KeyValueStore {
  readonly name: string;
  /** The value, or undefined when absent. The caller owns the returned buffer. */
  get(key: Buffer): Promise<Buffer | undefined>;
  /** The store copies (or owns a copy of) `value`; the caller may reuse its buffer. */
  put(key: Buffer, value: Buffer): Promise<void>;
  /** Deleting an absent key is not an error. */
  delete(key: Buffer): Promise<void>;
  /** Applies the writes in order, as one batch where the implementation can. */
  write(batch: readonly KeyValueWrite[]): Promise<void>;
  /** Entries in ascending byte order of key, within `range`. Do not write while iterating. */
  range(range?: KeyRange): AsyncIterable<KeyValue>;
  /** Deletes every entry. */
  clear(): Promise<void>;
  /** Makes every accepted write durable in this layer and the layers below it. */
  flush(): Promise<void>;
  /** Releases resources without flushing. Using the store afterwards is an error. */
  close(): Promise<void>;
}
