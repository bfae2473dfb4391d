/**
 * A latency histogram over a sliding range of closed sub-windows, kept by adding the buckets that
 * enter and subtracting those that leave. Counts are integers, so the result is exactly the merge of
 * the range's buckets whatever path led there (no drift, same bytes after a restore).
 */
import type { Bucket } from './arm-series.ts';
import type { LatencyBins, MergedLatency } from './latency-bins.ts';

const PAD = 16;

/** Mutable; a derived cache owned by one ArmSeries (never persisted: rebuilt on first use). */
export class SlidingLatency {
  /** covered sub-windows [lo, hi]; empty when hi < lo */
  lo = 0;
  hi = -1;
  private zeroCount = 0;
  private total = 0;
  private offset = 0;
  private counts: number[] = [];

  /** Covers [lo, hi] of `buckets` (ascending, all closed and unchanged since they were added). */
  moveTo(buckets: readonly Bucket[], lo: number, hi: number): void {
    if (lo < this.lo || hi < this.hi || lo > this.hi) {
      this.reset(lo, lo - 1);
    }
    for (const b of buckets) {
      if (b.k >= this.lo && b.k < lo) this.apply(b.latency, -1);
      else if (b.k > this.hi && b.k <= hi) this.apply(b.latency, 1);
    }
    this.lo = lo;
    this.hi = hi;
  }

  /** Forgets the buckets below `from` that are about to be dropped. */
  dropBefore(buckets: readonly Bucket[], from: number): void {
    if (this.lo >= from) return;
    if (this.hi < from) return this.reset(from, from - 1);
    for (const b of buckets) if (b.k >= this.lo && b.k < from) this.apply(b.latency, -1);
    this.lo = from;
  }

  /** A tight copy of the current histogram. */
  merged(): MergedLatency {
    const counts = this.counts;
    let first = 0;
    let last = counts.length - 1;
    while (first <= last && counts[first] === 0) first++;
    while (last >= first && counts[last] === 0) last--;
    if (first > last) return { zeroCount: this.zeroCount, minKey: 0, counts: [], count: this.zeroCount };
    return {
      zeroCount: this.zeroCount,
      minKey: this.offset + first,
      counts: counts.slice(first, last + 1),
      count: this.total,
    };
  }

  private reset(lo: number, hi: number): void {
    this.lo = lo;
    this.hi = hi;
    this.zeroCount = 0;
    this.total = 0;
    this.counts = [];
  }

  private apply(bins: LatencyBins, sign: 1 | -1): void {
    this.zeroCount += sign * bins.zeroCount;
    this.total += sign * bins.zeroCount;
    if (bins.minKey > bins.maxKey) return;
    this.cover(bins.minKey, bins.maxKey);
    const counts = this.counts;
    if (bins.keys !== null) {
      for (const key of bins.keys) counts[key - this.offset]! += sign;
      this.total += sign * bins.keys.length;
      return;
    }
    const from = bins.counts!;
    const shift = bins.offset - this.offset;
    for (let i = bins.minKey - bins.offset, end = bins.maxKey - bins.offset; i <= end; i++) {
      counts[i + shift]! += sign * from[i]!;
      this.total += sign * from[i]!;
    }
  }

  private cover(minKey: number, maxKey: number): void {
    const counts = this.counts;
    if (counts.length > 0 && minKey >= this.offset && maxKey < this.offset + counts.length) return;
    const lo = counts.length === 0 ? minKey - PAD : Math.min(this.offset, minKey - PAD);
    const hi = counts.length === 0 ? maxKey + PAD : Math.max(this.offset + counts.length - 1, maxKey + PAD);
    const next = new Array<number>(hi - lo + 1).fill(0);
    for (let i = 0; i < counts.length; i++) next[i + this.offset - lo] = counts[i]!;
    this.counts = next;
    this.offset = lo;
  }
}
