import { DDSketch } from '@datadog/sketches-js';

/** The sketch's value <-> key mapping (logarithmic; the library's object, so keys and values match it). */
export type KeyMapping = DDSketch['mapping'];

/** Counts over consecutive keys: `counts[i]` is the weight of key `offset + i`. Immutable once built. */
export class KeyCounts {
  /** `above[i]` = sum of counts[i..]; built on the first {@link KeyCounts.countAbove} */
  private above: Float64Array | null = null;

  constructor(
    readonly offset: number,
    readonly counts: Float64Array,
    /** sum of `counts` */
    readonly count: number,
  ) {}

  /**
   * The key at `rank` as the library's `DenseStore.keyAtRank` finds it: the first key whose running
   * count exceeds `rank` (`lower`), or reaches `rank + 1` (not `lower`).
   */
  keyAtRank(rank: number, lower: boolean): number {
    const counts = this.counts;
    let running = 0;
    for (let i = 0; i < counts.length; i++) {
      running += counts[i]!;
      if (lower ? running > rank : running >= rank + 1) return i + this.offset;
    }
    return counts.length - 1 + this.offset;
  }

  /**
   * Weight above `key`, the weight of `key` itself counting half. Counts are whole numbers, so these
   * sums are exact in any order and equal the library's bin-by-bin sum.
   */
  countAbove(key: number): number {
    const counts = this.counts;
    const i = key - this.offset;
    if (i >= counts.length) return 0;
    if (i < 0) return this.count;
    if (this.above === null) {
      const above = new Float64Array(counts.length + 1);
      for (let j = counts.length - 1; j >= 0; j--) above[j] = above[j + 1]! + counts[j]!;
      this.above = above;
    }
    return this.above[i + 1]! + counts[i]! / 2;
  }
}

export const NO_COUNTS = new KeyCounts(0, new Float64Array(0), 0);

/**
 * A decoded latency sketch (ms), read-only: the counts of a @datadog/sketches-js DDSketch in flat
 * arrays, answering the queries stage 2 needs with the library's exact results. `count` is the number
 * of values it holds.
 */
export class Sketch {
  readonly count: number;

  constructor(
    readonly mapping: KeyMapping,
    readonly positive: KeyCounts,
    readonly negative: KeyCounts,
    readonly zeroCount: number,
    count?: number,
  ) {
    this.count = count ?? negative.count + zeroCount + positive.count;
  }

  /** quantiles answered so far, as q, value pairs (a sketch is asked a handful of q's, often again) */
  #answered: number[] = [];

  /** `DDSketch.getValueAtQuantile`: NaN when empty or q is outside 0..1. */
  valueAtQuantile(q: number): number {
    const answered = this.#answered;
    for (let i = 0; i < answered.length; i += 2) if (answered[i] === q) return answered[i + 1]!;
    const v = this.#valueAtQuantile(q);
    answered.push(q, v);
    return v;
  }

  #valueAtQuantile(q: number): number {
    if (q < 0 || q > 1 || this.count === 0) return NaN;
    const rank = q * (this.count - 1);
    const neg = this.negative.count;
    if (rank < neg) return -this.mapping.value(this.negative.keyAtRank(neg - rank - 1, false));
    if (rank < this.zeroCount + neg) return 0;
    return this.mapping.value(this.positive.keyAtRank(rank - this.zeroCount - neg, true));
  }
}

/** Counts of a library store (its `bins` from `offset`), trimmed to the non-zero keys. */
export function countsOf(store: DDSketch['store']): KeyCounts {
  const bins = store.bins;
  let lo = 0;
  let hi = bins.length - 1;
  while (lo <= hi && bins[lo] === 0) lo++;
  while (hi >= lo && bins[hi] === 0) hi--;
  if (lo > hi) return NO_COUNTS;
  const counts = new Float64Array(hi - lo + 1);
  let count = 0;
  for (let i = lo; i <= hi; i++) {
    counts[i - lo] = bins[i]!;
    count += bins[i]!;
  }
  return new KeyCounts(store.offset + lo, counts, count);
}

/** A library sketch as a {@link Sketch} (a copy). */
export function fromLibrary(s: DDSketch): Sketch {
  return new Sketch(s.mapping, countsOf(s.store), countsOf(s.negativeStore), s.zeroCount, s.count);
}

/**
 * Sums sketches as `DDSketch.merge` does into a copy of the first: positive counts and zero counts add
 * up; the negative counts stay the first sketch's (the library merges only the positive store), while
 * `count` adds every sketch's count. Throws as the library does for different mappings.
 */
export function mergeSketches(parts: readonly Sketch[]): Sketch | null {
  const first = parts[0];
  if (first === undefined) return null;
  if (parts.length === 1) return first;
  let lo = Infinity;
  let hi = -Infinity;
  let count = 0;
  let zeroCount = 0;
  for (const p of parts) {
    if (p.mapping.gamma !== first.mapping.gamma)
      throw new Error('Cannot merge two DDSketches with different `relativeAccuracy` parameters');
    count += p.count;
    zeroCount += p.zeroCount;
    const c = p.positive;
    if (c.counts.length === 0) continue;
    if (c.offset < lo) lo = c.offset;
    if (c.offset + c.counts.length - 1 > hi) hi = c.offset + c.counts.length - 1;
  }
  let positive = NO_COUNTS;
  if (lo <= hi) {
    const counts = new Float64Array(hi - lo + 1);
    let sum = 0;
    for (const p of parts) {
      const from = p.positive.counts;
      const shift = p.positive.offset - lo;
      for (let i = 0; i < from.length; i++) counts[i + shift]! += from[i]!;
      sum += p.positive.count;
    }
    positive = new KeyCounts(lo, counts, sum);
  }
  return new Sketch(first.mapping, positive, first.negative, zeroCount, count);
}

export function quantileOf(sketch: Sketch | null, q: number): number {
  if (!sketch || sketch.count === 0) return 0;
  const v = sketch.valueAtQuantile(q);
  return Number.isFinite(v) ? v : 0;
}

/**
 * Number of values of `sketch` above `value`, at the sketch's resolution: the bin holding `value` counts
 * half. Zero values and negative ones count only for `value` < 0.
 */
export function countAbove(sketch: Sketch, value: number): number {
  if (value < 0) return sketch.count;
  if (value <= sketch.mapping.minPossible) return sketch.positive.count;
  return sketch.positive.countAbove(sketch.mapping.key(value));
}

/** A sketch of the given values (tests, fixtures, benches). */
export function sketchOf(values: readonly number[]): Sketch {
  const s = new DDSketch({ relativeAccuracy: 0.01 });
  for (const v of values) s.accept(v);
  return fromLibrary(s);
}
