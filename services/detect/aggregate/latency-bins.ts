/**
 * Latency histograms over DDSketch keys (@datadog/sketches-js logarithmic mapping, 1 % relative
 * accuracy). A sub-window bucket keeps a compact {@link LatencyBins}; a rolling window merges them
 * into a {@link MergedLatency}, whose quantiles are the ones `DDSketch.getValueAtQuantile` gives
 * for the same counts and whose protobuf is `DDSketch.toProto()`'s (see latency-sketch.ts).
 */
import { DDSketch } from '@datadog/sketches-js';

/** Relative accuracy of every latency sketch; fixed so that all sketches stay mergeable. */
export const LATENCY_RELATIVE_ACCURACY = 0.01;

/** The sketch's value <-> key mapping, shared by every histogram. */
export const LATENCY_MAPPING = new DDSketch({ relativeAccuracy: LATENCY_RELATIVE_ACCURACY }).mapping;

const MIN_POSITIVE = LATENCY_MAPPING.minPossible;
/** A histogram keeps the raw keys until it holds this many, then switches to dense counts. */
export const SPARSE_MAX = 48;
const GROW_PAD = 8;

/**
 * The latency histogram of one sub-window bucket, over sketch keys.
 * Sparse while small (the keys themselves, so a quiet tenant's bucket costs a few bytes and merges
 * in O(values)), dense counts over [offset, offset + counts.length) beyond {@link SPARSE_MAX}.
 * Values too small for a key (zero latency) are counted apart. Mutable; owned by its bucket.
 */
export class LatencyBins {
  zeroCount = 0;
  /** sparse mode: every key seen, unsorted, repeated; null in dense mode */
  keys: number[] | null = [];
  /** dense mode: counts[i] is the count of key offset + i; null in sparse mode */
  counts: number[] | null = null;
  offset = 0;
  /** smallest and largest key seen; minKey > maxKey when empty */
  minKey = Infinity;
  maxKey = -Infinity;

  /** Records one latency in ms (>= 0). */
  add(ms: number): void {
    if (ms > MIN_POSITIVE) this.addKey(LATENCY_MAPPING.key(ms));
    else this.zeroCount++;
  }

  private addKey(key: number): void {
    if (key < this.minKey) this.minKey = key;
    if (key > this.maxKey) this.maxKey = key;
    const keys = this.keys;
    if (keys !== null) {
      if (keys.length < SPARSE_MAX) {
        keys.push(key);
        return;
      }
      this.densify();
    }
    let i = key - this.offset;
    if (i < 0 || i >= this.counts!.length) i = this.grow(key);
    this.counts![i]!++;
  }

  /** Restores a sparse histogram (decoding). */
  loadSparse(zeroCount: number, keys: number[]): void {
    this.zeroCount = zeroCount;
    this.keys = keys;
    this.counts = null;
    for (const key of keys) {
      if (key < this.minKey) this.minKey = key;
      if (key > this.maxKey) this.maxKey = key;
    }
  }

  /** Restores a dense histogram (decoding): counts[i] is the count of key minKey + i, both ends > 0. */
  loadDense(zeroCount: number, minKey: number, counts: number[]): void {
    this.zeroCount = zeroCount;
    this.keys = null;
    this.counts = counts;
    this.offset = minKey;
    this.minKey = minKey;
    this.maxKey = minKey + counts.length - 1;
  }

  private densify(): void {
    const keys = this.keys!;
    this.offset = this.minKey - GROW_PAD;
    this.counts = new Array<number>(this.maxKey - this.minKey + 1 + 2 * GROW_PAD).fill(0);
    for (const key of keys) this.counts[key - this.offset]!++;
    this.keys = null;
  }

  /** Makes room for `key` in dense mode; returns its index. */
  private grow(key: number): number {
    const old = this.counts!;
    const pad = Math.max(GROW_PAD, old.length >> 1);
    const lo = Math.min(this.offset, key - pad);
    const hi = Math.max(this.offset + old.length - 1, key + pad);
    const next = new Array<number>(hi - lo + 1).fill(0);
    for (let i = 0; i < old.length; i++) next[i + this.offset - lo] = old[i]!;
    this.counts = next;
    this.offset = lo;
    return key - lo;
  }
}

/** Several histograms summed: counts[i] is the count of key minKey + i (tight: both ends non-zero). */
export interface MergedLatency {
  readonly zeroCount: number;
  readonly minKey: number;
  readonly counts: readonly number[];
  /** zeroCount + sum of counts */
  readonly count: number;
}

/** Sums histograms key by key; the order of `parts` does not matter. */
export function mergeLatency(parts: readonly LatencyBins[]): MergedLatency {
  let minKey = Infinity;
  let maxKey = -Infinity;
  let zeroCount = 0;
  for (const p of parts) {
    zeroCount += p.zeroCount;
    if (p.minKey < minKey) minKey = p.minKey;
    if (p.maxKey > maxKey) maxKey = p.maxKey;
  }
  if (minKey > maxKey) return { zeroCount, minKey: 0, counts: [], count: zeroCount };
  const counts = new Array<number>(maxKey - minKey + 1).fill(0);
  let count = zeroCount;
  for (const p of parts) {
    if (p.keys !== null) {
      const keys = p.keys;
      for (let i = 0; i < keys.length; i++) counts[keys[i]! - minKey]!++;
      count += keys.length;
      continue;
    }
    const from = p.counts!;
    const shift = p.offset - minKey;
    for (let i = p.minKey - p.offset, end = p.maxKey - p.offset; i <= end; i++) {
      const c = from[i]!;
      counts[i + shift]! += c;
      count += c;
    }
  }
  return { zeroCount, minKey, counts, count };
}

/**
 * The value at quantile q (0..1) exactly as `DDSketch.getValueAtQuantile` computes it for these
 * counts (rank q * (count - 1), rounded down), in ms; 0 when empty.
 */
export function latencyQuantile(m: MergedLatency, q: number): number {
  if (m.count === 0) return 0;
  const rank = q * (m.count - 1);
  if (rank < m.zeroCount) return 0;
  const r = rank - m.zeroCount;
  const counts = m.counts;
  let running = 0;
  for (let i = 0; i < counts.length; i++) {
    running += counts[i]!;
    if (running > r) return LATENCY_MAPPING.value(i + m.minKey);
  }
  return LATENCY_MAPPING.value(counts.length - 1 + m.minKey);
}
