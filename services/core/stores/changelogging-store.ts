import { checkKey, copy, keyBuffer, keyString } from './bytes.ts';
import type { ChangelogReader, ChangelogWriter } from './changelog.ts';
import type { KeyRange, KeyValue, KeyValueStore, KeyValueWrite } from './key-value-store.ts';
import { ProgrammerError } from '../errors.ts';

/** Keys under this prefix hold the store's own metadata in the inner store; user keys may not use it. */
export const RESERVED_PREFIX = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const CHECKPOINT = Buffer.concat([RESERVED_PREFIX, Buffer.from('backtrack/changelog-offset')]);
const DIRTY = Buffer.concat([RESERVED_PREFIX, Buffer.from('backtrack/dirty')]);

export interface ChangeloggingOptions {
  /** Compacted changelog topic (see `changelogTopic()` in topology/topics.ts). */
  readonly topic: string;
  /** Changelog partition = the input partition that owns this store. */
  readonly partition: number;
  readonly writer: ChangelogWriter;
  readonly reader: ChangelogReader;
}

export interface RestoreResult {
  /** Whether the local store was wiped and rebuilt from the start of the changelog. */
  readonly full: boolean;
  readonly records: number;
  /** Changelog offset the store reflects after restoring; undefined for an empty changelog. */
  readonly offset: bigint | undefined;
}

/**
 * Records every write to the inner store and, on `flush()`, sends the latest write per key to the
 * changelog partition (a delete as a tombstone). `checkpoint()`, called once the commit that covers
 * the flush succeeded, stores the changelog offset reached in the inner store itself. A write after the
 * last checkpoint marks the store dirty, so a crash before the next checkpoint makes `restore()` wipe
 * the local copy and rebuild it from the changelog instead of trusting it.
 */
export class ChangeloggingStore implements KeyValueStore {
  readonly #pending = new Map<string, Buffer | null>();
  #dirty: boolean | undefined;
  #sent: bigint | undefined;

  constructor(
    readonly inner: KeyValueStore,
    readonly options: ChangeloggingOptions,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    this.#check(key);
    return this.inner.get(key);
  }

  async put(key: Buffer, value: Buffer): Promise<void> {
    await this.write([{ key, value }]);
  }

  async delete(key: Buffer): Promise<void> {
    await this.write([{ key, value: null }]);
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    if (batch.length === 0) return;
    batch.forEach((w) => this.#check(w.key));
    await this.#markDirty();
    await this.inner.write(batch);
    for (const { key, value } of batch)
      this.#pending.set(keyString(key), value === null ? null : copy(value));
  }

  async *range(range?: KeyRange): AsyncIterable<KeyValue> {
    const lt =
      range?.lt === undefined || Buffer.compare(range.lt, RESERVED_PREFIX) > 0 ? RESERVED_PREFIX : range.lt;
    yield* this.inner.range({ ...range, lt });
  }

  /** Deletes every entry, logging a tombstone for each. */
  async clear(): Promise<void> {
    for await (const { key } of this.range()) this.#pending.set(keyString(key), null);
    await this.inner.clear();
    this.#dirty = undefined;
    await this.#markDirty();
  }

  /** Sends pending writes to the changelog, then flushes the inner store. */
  async flush(): Promise<void> {
    if (this.#pending.size > 0) {
      const records = [...this.#pending].map(([k, value]) => ({ key: keyBuffer(k), value }));
      this.#sent = await this.options.writer.send(this.options.topic, this.options.partition, records);
      this.#pending.clear();
    }
    await this.inner.flush();
  }

  /** Records the changelog offset reached and clears the dirty mark; call after the commit succeeded. */
  async checkpoint(): Promise<void> {
    if (this.#pending.size > 0 || (this.#dirty === false && this.#sent === undefined)) return;
    const writes: KeyValueWrite[] = [{ key: DIRTY, value: null }];
    if (this.#sent !== undefined) writes.push({ key: CHECKPOINT, value: Buffer.from(this.#sent.toString()) });
    await this.inner.write(writes);
    await this.inner.flush();
    this.#dirty = false;
    this.#sent = undefined;
  }

  /** Brings the inner store up to the end of the changelog (see class doc for when it wipes first). */
  async restore(): Promise<RestoreResult> {
    const { topic, partition, reader } = this.options;
    const dirty = (await this.inner.get(DIRTY)) !== undefined;
    const saved = await this.inner.get(CHECKPOINT);
    const checkpoint = saved === undefined ? undefined : BigInt(saved.toString());
    const { low, high } = await reader.bounds(topic, partition);
    const resume = checkpoint === undefined ? undefined : checkpoint + 1n;
    const full = dirty || resume === undefined || resume < low || resume > high;
    if (full) await this.inner.clear();
    let records = 0;
    let offset = full ? undefined : checkpoint;
    await reader.read(topic, partition, full ? low : (resume ?? low), high, async (batch) => {
      await this.inner.write(batch.map(({ key, value }) => ({ key, value })));
      records += batch.length;
      offset = batch.at(-1)?.offset ?? offset;
    });
    const writes: KeyValueWrite[] = [{ key: DIRTY, value: null }];
    if (offset !== undefined) writes.push({ key: CHECKPOINT, value: Buffer.from(offset.toString()) });
    await this.inner.write(writes);
    await this.inner.flush();
    this.#dirty = false;
    this.#pending.clear();
    this.#sent = undefined;
    return { full, records, offset };
  }

  async close(): Promise<void> {
    this.#pending.clear();
    await this.inner.close();
  }

  async #markDirty(): Promise<void> {
    if (this.#dirty === true) return;
    await this.inner.put(DIRTY, Buffer.from('1'));
    this.#dirty = true;
  }

  #check(key: Buffer): void {
    checkKey(key);
    if (
      key.length >= RESERVED_PREFIX.length &&
      key.subarray(0, RESERVED_PREFIX.length).equals(RESERVED_PREFIX)
    ) {
      throw new ProgrammerError(`store ${this.name}: keys starting with ff ff ff ff are reserved`);
    }
  }
}
