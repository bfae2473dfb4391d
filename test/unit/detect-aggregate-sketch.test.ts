import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DDSketch } from '@datadog/sketches-js';
import { Bucket } from '../../services/detect/aggregate/arm-series.ts';
import { LatencyBins, latencyQuantile, mergeLatency } from '../../services/detect/aggregate/latency-bins.ts';
import { SlidingLatency } from '../../services/detect/aggregate/sliding-latency.ts';
import {
  decodeLatencySketch,
  encodeLatencyProto,
  mergeLatencySketches,
  quantileOf,
  sketchOf,
} from '../../services/detect/aggregate/latency-sketch.ts';

function near(actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
}

const QUANTILES = [0, 0.1, 0.5, 0.9, 0.95, 0.99, 1];
const latencies = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.05, max: 600_000, noNaN: true })), {
  minLength: 1,
  maxLength: 400,
});

function binsOf(values: readonly number[]): LatencyBins {
  const b = new LatencyBins();
  for (const v of values) b.add(v);
  return b;
}

/** The rank the sketch reports: the element at floor(q * (n - 1)) of the sorted values. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

/** The library's own sketch of the values, accepted one by one. */
function librarySketch(values: readonly number[]): DDSketch {
  const s = new DDSketch({ relativeAccuracy: 0.01 });
  for (const v of values) s.accept(v);
  return s;
}

describe('latency sketch', () => {
  test('quantiles are within 1 % relative error of the exact ones and equal the library sketch', () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const merged = mergeLatency([binsOf(values)]);
        const library = librarySketch(values);
        assert.equal(merged.count, values.length);
        for (const q of QUANTILES) {
          const exact = exactQuantile(values, q);
          const got = latencyQuantile(merged, q);
          near(got, exact, 0.01 * exact * (1 + 1e-9));
          assert.equal(got, library.getValueAtQuantile(q), `q=${q}`);
        }
      }),
      { seed: 20_240_611, numRuns: 300 },
    );
  });

  test('the wire bytes decode to the library sketch of the same values', () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const decoded = decodeLatencySketch(encodeLatencyProto(mergeLatency([binsOf(values)])));
        const library = librarySketch(values);
        assert.equal(decoded.count, library.count);
        assert.equal(decoded.zeroCount, library.zeroCount);
        for (const q of QUANTILES) assert.equal(decoded.getValueAtQuantile(q), library.getValueAtQuantile(q));
        const viaLibrary = DDSketch.fromProto(encodeLatencyProto(mergeLatency([binsOf(values)])));
        for (const q of QUANTILES) {
          const want = library.getValueAtQuantile(q);
          near(viaLibrary.getValueAtQuantile(q), want, 1e-12 * want);
        }
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  test('the hand-written protobuf is byte-identical to DDSketch.toProto with tight bins', () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const merged = mergeLatency([binsOf(values)]);
        const s = new DDSketch({ relativeAccuracy: 0.01 });
        s.zeroCount = merged.zeroCount;
        if (merged.counts.length > 0) {
          s.store.bins = Array.from(merged.counts);
          s.store.offset = merged.minKey;
        }
        assert.deepEqual(encodeLatencyProto(merged), Buffer.from(s.toProto()));
      }),
      { seed: 9, numRuns: 200 },
    );
  });

  test('merging buckets equals the sketch of their union, byte for byte', () => {
    fc.assert(
      fc.property(latencies, latencies, latencies, (a, b, c) => {
        const merged = encodeLatencyProto(mergeLatency([binsOf(a), binsOf(b), binsOf(c)]));
        const union = encodeLatencyProto(mergeLatency([binsOf([...c, ...a, ...b])]));
        assert.deepEqual(merged, union);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  test('a sliding range equals the fresh merge of its buckets, whatever the path', () => {
    const bucketValues = fc.array(latencies, { minLength: 1, maxLength: 30 });
    const moves = fc.array(
      fc.record({
        step: fc.integer({ min: 0, max: 6 }),
        span: fc.integer({ min: 1, max: 8 }),
        drop: fc.boolean(),
      }),
      {
        maxLength: 25,
      },
    );
    fc.assert(
      fc.property(bucketValues, moves, (values, path) => {
        let buckets = values.map((v, k) => {
          const b = new Bucket(k);
          for (const x of v) b.latency.add(x);
          return b;
        });
        const sliding = new SlidingLatency();
        let lo = 0;
        for (const { step, span, drop } of path) {
          lo += step;
          const hi = lo + span - 1;
          if (drop) {
            sliding.dropBefore(buckets, lo);
            buckets = buckets.filter((b) => b.k >= lo);
          }
          sliding.moveTo(buckets, lo, hi);
          const fresh = mergeLatency(buckets.filter((b) => b.k >= lo && b.k <= hi).map((b) => b.latency));
          assert.deepEqual(encodeLatencyProto(sliding.merged()), encodeLatencyProto(fresh));
        }
      }),
      { seed: 3, numRuns: 200 },
    );
  });

  test('decoded wire sketches merge into the sketch of the union (tier pooling)', () => {
    fc.assert(
      fc.property(latencies, latencies, (a, b) => {
        const pooled = mergeLatencySketches([
          encodeLatencyProto(mergeLatency([binsOf(a)])),
          encodeLatencyProto(mergeLatency([binsOf(b)])),
        ]);
        const union = sketchOf([binsOf([...a, ...b])]);
        assert.equal(pooled.count, a.length + b.length);
        for (const q of QUANTILES) assert.equal(quantileOf(pooled, q), quantileOf(union, q), `q=${q}`);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  test('zero latencies are counted in the zero bin and rank first', () => {
    const bins = binsOf([0, 0, 0, 100]);
    const merged = mergeLatency([bins]);
    assert.equal(bins.zeroCount, 3);
    assert.equal(merged.count, 4);
    assert.equal(latencyQuantile(merged, 0.5), 0);
    near(latencyQuantile(merged, 1), 100, 1);
    assert.equal(decodeLatencySketch(encodeLatencyProto(merged)).count, 4);
  });

  test('an empty histogram has quantiles 0 and decodes to an empty sketch', () => {
    const merged = mergeLatency([new LatencyBins(), new LatencyBins()]);
    assert.equal(latencyQuantile(merged, 0.95), 0);
    const decoded = decodeLatencySketch(encodeLatencyProto(merged));
    assert.equal(decoded.count, 0);
    assert.equal(quantileOf(decoded, 0.5), 0);
  });

  test('bins grow both ways without losing counts', () => {
    const merged = mergeLatency([binsOf([1000, 1, 100_000, 0.1, 1000])]);
    assert.equal(merged.count, 5);
    near(latencyQuantile(merged, 0), 0.1, 0.001);
    near(latencyQuantile(merged, 0.5), 1000, 10);
    near(latencyQuantile(merged, 1), 100_000, 1000);
  });
});
