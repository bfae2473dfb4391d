/**
 * How a changelogging store reaches its compacted changelog topic. The runtime implements both sides
 * with Kafka (the writer joins the current transaction in exactly-once mode); `MemoryChangelog`
 * implements them for tests.
 */
import type { KeyValueWrite } from './key-value-store.ts';

export interface ChangelogRecord extends KeyValueWrite {
  readonly offset: bigint;
}

export interface ChangelogWriter {
  /** Appends the writes (null value: tombstone) keyed by store key; resolves with the last offset. */
  send(topic: string, partition: number, records: readonly KeyValueWrite[]): Promise<bigint>;
}

export interface ChangelogReader {
  /** First offset in the log and the offset the next record will get. */
  bounds(topic: string, partition: number): Promise<{ low: bigint; high: bigint }>;
  /** Reads offsets [from, to) in order, calling `apply` per batch; returns once `to` is reached. */
  read(
    topic: string,
    partition: number,
    from: bigint,
    to: bigint,
    apply: (records: readonly ChangelogRecord[]) => Promise<void>,
  ): Promise<void>;
}

/** An in-memory changelog (compaction not simulated) for unit tests of stores and processors. */
export class MemoryChangelog implements ChangelogWriter, ChangelogReader {
  readonly #logs = new Map<string, ChangelogRecord[]>();

  records(topic: string, partition: number): ChangelogRecord[] {
    const id = `${topic}/${partition}`;
    let log = this.#logs.get(id);
    if (log === undefined) this.#logs.set(id, (log = []));
    return log;
  }

  async send(topic: string, partition: number, records: readonly KeyValueWrite[]): Promise<bigint> {
    const log = this.records(topic, partition);
    for (const r of records) {
      log.push({
        key: Buffer.from(r.key),
        value: r.value && Buffer.from(r.value),
        offset: BigInt(log.length),
      });
    }
    return BigInt(log.length - 1);
  }

  async bounds(topic: string, partition: number): Promise<{ low: bigint; high: bigint }> {
    return { low: 0n, high: BigInt(this.records(topic, partition).length) };
  }

  async read(
    topic: string,
    partition: number,
    from: bigint,
    to: bigint,
    apply: (records: readonly ChangelogRecord[]) => Promise<void>,
  ): Promise<void> {
    const slice = this.records(topic, partition).slice(Number(from), Number(to));
    for (let i = 0; i < slice.length; i += 100) await apply(slice.slice(i, i + 100));
  }
}
