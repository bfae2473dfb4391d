/**
 * Whether a reader has reached the end of a topic as it was when it started. Pure bookkeeping of
 * offsets (decimal strings, as Kafka clients give them, compared as bigint).
 */

export interface StartOffsets {
  readonly partition: number;
  /** First offset still in the log. */
  readonly low: string;
  /** Log end offset at start (the next offset to be written). */
  readonly high: string;
}

export class CatchUp {
  /** Partitions still behind their start high watermark, with that watermark. */
  readonly #behind = new Map<number, bigint>();

  constructor(start: readonly StartOffsets[]) {
    for (const p of start) {
      if (BigInt(p.high) > BigInt(p.low)) this.#behind.set(p.partition, BigInt(p.high));
    }
  }

  /**
   * Records that everything up to and including `offset` of `partition` has been read (control
   * records and compacted gaps included). Returns true when this read finished the catch-up.
   */
  advance(partition: number, offset: string): boolean {
    const high = this.#behind.get(partition);
    if (high === undefined || BigInt(offset) + 1n < high) return false;
    this.#behind.delete(partition);
    return this.#behind.size === 0;
  }

  get done(): boolean {
    return this.#behind.size === 0;
  }

  /** Partitions not yet read up to their start watermark. */
  pending(): number[] {
    return [...this.#behind.keys()].sort((a, b) => a - b);
  }
}
