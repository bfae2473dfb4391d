/**
 * The sub-window buckets of one (bundle, arm) of a tenant. A bucket k covers event time
 * [k * subWindowMs, (k + 1) * subWindowMs). Buckets exist only where something was observed and
 * are kept sorted by k; lookups hit a one-entry cache first, since traffic is mostly in order.
 */
import type { Arm } from '../../../schemas/types.ts';
import { type MetricAccumulator, mergeMetricAccumulator, newMetricAccumulator } from './metrics.ts';
import { LatencyBins, type MergedLatency } from './latency-bins.ts';
import { SlidingLatency } from './sliding-latency.ts';

/** Sub-windows per cached block (see {@link ArmSeries.partsIn}). */
export const BLOCK_SPAN = 5;

/**
 * One sub-window of one (bundle, arm), or a cached block of them (metrics only: a
 * block's latency stays empty, windows' latency comes from {@link SlidingLatency}). Mutable;
 * owned by its {@link ArmSeries}.
 */
export class Bucket {
  readonly metrics: MetricAccumulator = newMetricAccumulator();
  readonly latency = new LatencyBins();
  constructor(readonly k: number) {}
}

/** A (bundle, arm) of a tenant: its buckets, ascending by k. Mutable; owned by a TenantState. */
export class ArmSeries {
  buckets: Bucket[] = [];
  /** the stable bundle named by the latest eval event on this arm ('' if none) */
  baselineHint = '';
  private last: Bucket | null = null;
  /** merged closed blocks [b * BLOCK_SPAN, (b + 1) * BLOCK_SPAN) by b; null = nothing observed. Derived, not persisted. */
  private blocks = new Map<number, Bucket | null>();
  /** latency of the range last asked for in each slot. Derived, not persisted. */
  private sliding: SlidingLatency[] = [];
  constructor(
    readonly bundleId: string,
    readonly arm: Arm,
  ) {}

  /** The bucket of sub-window k, created if absent. */
  bucketAt(k: number): Bucket {
    const last = this.last;
    if (last !== null && last.k === k) return last;
    const bs = this.buckets;
    let i = bs.length;
    while (i > 0 && bs[i - 1]!.k > k) i--;
    let b = i > 0 ? bs[i - 1]! : null;
    if (b === null || b.k !== k) {
      b = new Bucket(k);
      if (i === bs.length) bs.push(b);
      else bs.splice(i, 0, b);
    }
    this.last = b;
    return b;
  }

  /** Buckets with lo <= k <= hi, ascending. */
  bucketsIn(lo: number, hi: number): Bucket[] {
    const out: Bucket[] = [];
    const bs = this.buckets;
    for (let i = this.indexFrom(lo); i < bs.length && bs[i]!.k <= hi; i++) out.push(bs[i]!);
    return out;
  }

  /**
   * The metrics of [lo, hi] in few parts, ascending: single buckets at the edges and
   * cached merged blocks (no latency) for the aligned blocks inside. Only for closed sub-windows
   * (hi below the tenant's next close), whose buckets can no longer change.
   */
  partsIn(lo: number, hi: number): Bucket[] {
    const blockLo = Math.ceil(lo / BLOCK_SPAN) * BLOCK_SPAN;
    const blockEnd = Math.floor((hi + 1) / BLOCK_SPAN) * BLOCK_SPAN;
    if (blockLo >= blockEnd) return this.bucketsIn(lo, hi);
    const out: Bucket[] = [];
    const bs = this.buckets;
    let i = this.indexFrom(lo);
    for (; i < bs.length && bs[i]!.k < blockLo; i++) out.push(bs[i]!);
    for (let start = blockLo; start < blockEnd; start += BLOCK_SPAN) {
      const merged = this.block(start / BLOCK_SPAN);
      if (merged !== null) out.push(merged);
    }
    for (i = this.indexFrom(blockEnd); i < bs.length && bs[i]!.k <= hi; i++) out.push(bs[i]!);
    return out;
  }

  /** Index of the first bucket with k >= from (binary search). */
  private indexFrom(from: number): number {
    const bs = this.buckets;
    let lo = 0;
    let hi = bs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bs[mid]!.k < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private block(index: number): Bucket | null {
    let merged = this.blocks.get(index);
    if (merged !== undefined) return merged;
    const inside = this.bucketsIn(index * BLOCK_SPAN, (index + 1) * BLOCK_SPAN - 1);
    merged = inside.length === 0 ? null : new Bucket(index * BLOCK_SPAN);
    for (const b of inside) mergeMetricAccumulator(merged!.metrics, b.metrics);
    this.blocks.set(index, merged);
    return merged;
  }

  /**
   * The merged latency of the closed sub-windows [lo, hi]. `slot` names a cache that slides from
   * the previous range asked for in it: use one slot per independently sliding range.
   */
  latencyIn(lo: number, hi: number, slot: 0 | 1): MergedLatency {
    const sliding = (this.sliding[slot] ??= new SlidingLatency());
    sliding.moveTo(this.buckets, lo, hi);
    return sliding.merged();
  }

  /** Whether any bucket has lo <= k <= hi. */
  hasBucketIn(lo: number, hi: number): boolean {
    return this.firstBucketFrom(lo) <= hi;
  }

  /** The smallest bucket index >= from, or Infinity. */
  firstBucketFrom(from: number): number {
    return this.buckets[this.indexFrom(from)]?.k ?? Infinity;
  }

  /** The largest bucket index <= to, or -Infinity. */
  lastBucketUpTo(to: number): number {
    return this.buckets[this.indexFrom(to + 1) - 1]?.k ?? -Infinity;
  }

  /** Drops buckets with k < from, and what the caches hold of them. */
  dropBefore(from: number): void {
    const bs = this.buckets;
    for (const x of this.sliding) x.dropBefore(bs, from);
    let n = 0;
    while (n < bs.length && bs[n]!.k < from) n++;
    if (n > 0) {
      this.buckets = bs.slice(n);
      if (this.last !== null && this.last.k < from) this.last = null;
    }
    for (const index of this.blocks.keys()) if (index * BLOCK_SPAN < from) this.blocks.delete(index);
  }
}
