/**
 * Stage 2's flat sketches and cached arm views must give exactly what the library and the plain
 * aggregate sums gave before (the replay output is compared byte for byte).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DDSketch } from '@datadog/sketches-js';
import { LatencyBins, mergeLatency } from '../../services/detect/aggregate/latency-bins.ts';
import { encodeLatencyProto } from '../../services/detect/aggregate/latency-sketch.ts';
import { metricOf, viewOf, type StoredArm } from '../../services/detect/decide/arm.ts';
import { countAbove, mergeSketches, quantileOf, sketchOf } from '../../services/detect/decide/sketch.ts';
import { decodeSketch } from '../../services/detect/decide/sketch-codec.ts';
import { addAggregates, EMPTY_AGGREGATE } from '../../services/detect/decide/stats.ts';

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];
const latencies = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.05, max: 600_000, noNaN: true })), {
  minLength: 1,
  maxLength: 300,
});

function stageOneProto(values: readonly number[]): string {
  const b = new LatencyBins();
  for (const v of values) b.add(v);
  return encodeLatencyProto(mergeLatency([b])).toString('base64');
}

function library(proto: string): DDSketch {
  return DDSketch.fromProto(Buffer.from(proto, 'base64')) as DDSketch;
}

/** The old reading of a library sketch: bin by bin over the store. */
function libraryAbove(s: DDSketch, value: number): number {
  if (value < 0) return s.count;
  if (value <= s.mapping.minPossible) return s.store.count;
  const key = s.mapping.key(value);
  let above = 0;
  s.store.bins.forEach((w, i) => {
    const k = i + s.store.offset;
    if (k > key) above += w;
    else if (k === key) above += w / 2;
  });
  return above;
}

function sameAnswers(mine: ReturnType<typeof sketchOf>, lib: DDSketch, probes: readonly number[]): void {
  assert.equal(mine.count, lib.count);
  for (const q of QUANTILES) assert.equal(quantileOf(mine, q), lib.getValueAtQuantile(q));
  for (const v of probes) assert.equal(countAbove(mine, v), libraryAbove(lib, v));
}

describe('stage 2 sketches', () => {
  test('decoded stage-1 protobufs answer as DDSketch.fromProto does', () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const proto = stageOneProto(values);
        const mine = decodeSketch(proto);
        const lib = library(proto);
        if (lib.count === 0) return assert.equal(mine, null);
        sameAnswers(mine!, lib, [-1, 0, ...values, 1e9]);
      }),
      { numRuns: 150 },
    );
  });

  test('merged sketches answer as the library merge of the decoded ones', () => {
    fc.assert(
      fc.property(fc.array(latencies, { minLength: 2, maxLength: 5 }), (parts) => {
        const protos = parts.map(stageOneProto);
        const lib = library(protos[0]!);
        for (const p of protos.slice(1)) lib.merge(library(p));
        const mine = mergeSketches(protos.map((p) => decodeSketch(p)!));
        sameAnswers(mine!, lib, [0, 1, ...parts.flat()]);
      }),
      { numRuns: 100 },
    );
  });

  test('protobufs outside the common layout go through the library', () => {
    const lib = new DDSketch({ relativeAccuracy: 0.01 });
    for (const v of [3, 30, 300, 3000]) lib.accept(v);
    const withUnknownField = Buffer.concat([Buffer.from(lib.toProto()), Buffer.from([0x28, 0x07])]);
    const mine = decodeSketch(withUnknownField.toString('base64'));
    sameAnswers(mine!, DDSketch.fromProto(withUnknownField) as DDSketch, [0, 10, 100, 1000, 5000]);
    assert.equal(decodeSketch(''), null);
  });
});

describe('arm views', () => {
  const arm = (requests: number, values: number[], sums: [number, number][]): StoredArm => ({
    requests,
    metrics: Object.fromEntries(sums.map(([sum, sumSq], i) => [`m${i}`, { count: i + 1, sum, sumSq }])),
    sketch: stageOneProto(values),
  });

  test('a merged view sums requests and aggregates in arm order, and is shared for the same arms', () => {
    const arms = [
      arm(3, [10, 20], [[0.1, 0.01]]),
      arm(
        5,
        [15],
        [
          [0.2, 0.04],
          [1e16, 3],
        ],
      ),
      arm(2, [40, 50, 60], [[0.3, 0.09]]),
    ];
    const view = viewOf(arms);
    assert.equal(view.requests, 10);
    for (const name of ['m0', 'm1', 'm2']) {
      const expected = arms.reduce(
        (acc, a) => (a.metrics[name] ? addAggregates(acc, a.metrics[name]) : acc),
        EMPTY_AGGREGATE,
      );
      assert.deepEqual(metricOf(view, name), expected);
    }
    assert.equal(view.sketch!.count, 6);
    assert.equal(viewOf([...arms]), view);
    assert.notEqual(viewOf(arms.slice(0, 2)), view);
  });
});
