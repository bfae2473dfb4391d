/**
 * The replay fast paths of stage 2 give the results of the plain computations they replace, bit for bit:
 * Fisher's tail from cached terms, the pooled quantile with one key per bisection step, and checks that
 * skip building findings of level 'none'.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DDSketch } from '@datadog/sketches-js';
import { gammaln } from 'simple-statistics';
import type { ArmWindow, MetricAggregate } from '../../schemas/types.ts';
import { hypergeometricZ, zFromUpperTail } from '../../services/detect/decide/exact.ts';
import { proportionZ, quantileRatioTest } from '../../services/detect/decide/significance.ts';
import { countAbove, quantileOf, sketchOf, type Sketch } from '../../services/detect/decide/sketch.ts';
import {
  metricOf,
  sameSpans,
  storeArm,
  viewOf,
  type ArmView,
  type StoredArm,
} from '../../services/detect/decide/arm.ts';
import { mergeSketches } from '../../services/detect/decide/sketch.ts';
import { decodeSketch, decodeSketchBytes } from '../../services/detect/decide/sketch-codec.ts';
import { METRICS } from '../../services/detect/decide/metrics.ts';
import { arm as fixtureArm } from './decide-fixtures.ts';
import { runChecks } from '../../services/detect/decide/catalog.ts';
import type { CheckContext } from '../../services/detect/decide/checks.ts';
import { defaultPolicy } from '../../services/detect/policy/index.ts';
import { clampZ } from '../../services/detect/decide/stats.ts';

/** The two-pass tail sum as first written (each log term computed twice). */
function referenceHypergeometricZ(x: number, n: number, K: number, N: number): number {
  if (N <= 0 || n <= 0 || K <= 0 || K >= N || n >= N) return 0;
  const lnChoose = (a: number, b: number): number => gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1);
  const mean = (n * K) / N;
  if (x === mean) return 0;
  const upper = x > mean;
  const from = upper ? x : Math.max(0, n - (N - K));
  const to = upper ? Math.min(n, K) : x;
  let top = -Infinity;
  for (let i = from; i <= to; i++) top = Math.max(top, lnChoose(K, i) + lnChoose(N - K, n - i));
  let sum = 0;
  for (let i = from; i <= to; i++) sum += Math.exp(lnChoose(K, i) + lnChoose(N - K, n - i) - top);
  const p = Math.min(1, Math.exp(top + Math.log(sum) - lnChoose(N, n)));
  const z = zFromUpperTail(p);
  return upper ? z : -z;
}

/** quantileRatioTest's z with the pooled quantile bisected through countAbove of each sketch. */
function referenceQuantileZ(c: Sketch, b: Sketch, q: number): number {
  const target = (1 - q) * (c.count + b.count);
  let lo = Math.max(Math.min(quantileOf(c, 0), quantileOf(b, 0)), 1e-9);
  let hi = Math.max(quantileOf(c, 1), quantileOf(b, 1), lo);
  for (let i = 0; i < 24 && hi / lo > 1.001; i++) {
    const mid = Math.sqrt(lo * hi);
    if (countAbove(c, mid) + countAbove(b, mid) > target) lo = mid;
    else hi = mid;
  }
  return proportionZ(Math.round(countAbove(c, hi)), c.count, Math.round(countAbove(b, hi)), b.count);
}

describe('stage 2 fast paths', () => {
  test('hypergeometricZ equals the two-pass tail sum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, m, kShare, xShare) => {
          const N = n + m;
          const K = Math.round(kShare * N);
          const x = Math.min(n, K, Math.round(xShare * Math.min(n, K)));
          assert.equal(clampZ(hypergeometricZ(x, n, K, N)), clampZ(referenceHypergeometricZ(x, n, K, N)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('quantileRatioTest z equals the per-sketch bisection', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 20_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.double({ min: 1, max: 20_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.95, 0.99),
        (cv, bv, q) => {
          const c = sketchOf(cv);
          const b = sketchOf(bv);
          assert.equal(quantileRatioTest(c, b, q).z, referenceQuantileZ(c, b, q));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('runChecks with leveledOnly gives exactly the leveled findings of a full run', () => {
    const policy = defaultPolicy();
    const tier = policy.tiers[policy.defaultTier]!;
    const ctx: CheckContext = {
      tier,
      stats: policy.statistics,
      source: 'concurrent',
      baselineLabel: 'concurrent stable',
      tenantId: 't-1',
      gate: true,
      minutes: { one: 5, act: 10, flag: 15 },
    };
    const rateOf = (n: number, p: number): MetricAggregate => {
      const x = Math.round(n * p);
      return { count: n, sum: x, sumSq: x };
    };
    const arm = (n: number, errors: number, latencyScale: number, seed: number): ArmWindow => {
      const s = new DDSketch({ relativeAccuracy: 0.01 });
      for (let i = 0; i < n; i++) s.accept(latencyScale * (200 + ((i * 7919 + seed) % 997)));
      return {
        bundleId: 'b',
        requests: n,
        metrics: {
          cost_usd: {
            count: n,
            sum: n * 0.004 * latencyScale,
            sumSq: n * 0.000016 * latencyScale ** 2 * 1.1,
          },
          error_rate: rateOf(n, errors),
          err_timeout: rateOf(n, errors / 2),
          refusal_rate: rateOf(n, 0.02),
          ttft_ms: { count: n, sum: n * 120 * latencyScale, sumSq: n * 15_000 * latencyScale ** 2 },
        },
        latencyP50: 0,
        latencyP95: 0,
        latencyP99: 0,
        latencySketch: Buffer.from(s.toProto()),
      };
    };
    let leveled = 0;
    for (const [errors, scale] of [
      [0.01, 1],
      [0.08, 1],
      [0.01, 2],
      [0.2, 3],
    ] as const) {
      const c = sameSpans(viewOf([storeArm(arm(800, errors, scale, 1))]));
      const b = sameSpans(viewOf([storeArm(arm(900, 0.01, 1, 2))]));
      const all = runChecks(c, b, ctx);
      const only = runChecks(c, b, ctx, true);
      assert.ok(all.length > only.length);
      assert.deepEqual(
        only.map((f) => [f.check, f.level, f.z, f.effect, f.evidence]),
        all.filter((f) => f.level !== 'none').map((f) => [f.check, f.level, f.z, f.effect, f.evidence]),
      );
      leveled += only.length;
    }
    assert.ok(leveled > 0, 'some regressions are leveled');
  });

  test('a stored arm encodes as the plain arm (sorted metrics, base64 sketch) and views as its decoded copy', () => {
    fc.assert(
      fc.property(armSpecs, (specs) => {
        for (const w of specs.map(windowOf)) {
          const live = storeArm(w);
          const names = Object.keys(w.metrics).sort();
          const plain: StoredArm = {
            requests: w.requests,
            metrics: Object.fromEntries(
              names.map((n) => [
                n,
                { count: w.metrics[n]!.count, sum: w.metrics[n]!.sum, sumSq: w.metrics[n]!.sumSq },
              ]),
            ),
            sketch: w.latencySketch.length > 0 ? Buffer.from(w.latencySketch).toString('base64') : '',
          };
          assert.equal(JSON.stringify(live), JSON.stringify(plain));
          const copy = JSON.parse(JSON.stringify(live)) as StoredArm;
          assertSameView(viewOf([live]), referenceView([copy]));
        }
      }),
      { numRuns: 40 },
    );
  });

  test('merged views, built by extending a cached prefix or not, equal the merge of all arms in order', () => {
    fc.assert(
      fc.property(armSpecs, fc.boolean(), (specs, prefixFirst) => {
        const arms = specs.map((spec) => storeArm(windowOf(spec)));
        if (prefixFirst) for (let n = 2; n < arms.length; n++) viewOf(arms.slice(0, n));
        const plain = arms.map((a) => JSON.parse(JSON.stringify(a)) as StoredArm);
        assertSameView(viewOf(arms), referenceView(plain));
      }),
      { numRuns: 60 },
    );
  });

  test('a sketch answers a quantile asked again, in any order, as a fresh sketch does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.constantFrom(0, 0.5, 0.95, 0.99, 1, 0.25), { minLength: 1, maxLength: 12 }),
        (values, qs) => {
          const asked = sketchOf(values);
          for (const q of qs) {
            const fresh = sketchOf(values);
            assert.equal(asked.valueAtQuantile(q), fresh.valueAtQuantile(q));
            assert.equal(quantileOf(asked, q), quantileOf(sketchOf(values), q));
          }
        },
      ),
    );
  });

  test('stage-1 protobufs decode as the library reads them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 60_000, noNaN: true }), { maxLength: 300 }),
        (values) => {
          const s = new DDSketch({ relativeAccuracy: 0.01 });
          for (const v of values) s.accept(v);
          const bytes = Buffer.from(s.toProto());
          const fast = decodeSketchBytes(bytes);
          const lib = DDSketch.fromProto(bytes);
          if (values.length === 0) return assert.equal(fast, null);
          assert.ok(fast);
          assert.equal(fast.count, lib.count);
          for (const q of [0, 0.5, 0.95, 0.99, 1])
            assert.equal(fast.valueAtQuantile(q), lib.getValueAtQuantile(q));
          assert.deepEqual(decodeSketch(bytes.toString('base64'))?.positive.counts, fast.positive.counts);
        },
      ),
    );
  });

  test('leveled-only checks equal the leveled findings of a full run on random spans', () => {
    const policy = defaultPolicy();
    let leveled = 0;
    fc.assert(
      fc.property(
        fc.array(armSpec, { minLength: 3, maxLength: 3 }),
        fc.array(armSpec, { minLength: 3, maxLength: 3 }),
        fc.constantFrom(undefined, 'one', 'act', 'flag'),
        fc.constantFrom(...Object.keys(policy.tiers)),
        fc.boolean(),
        (cs, bs, span, tierName, gate) => {
          const spans = (specs: typeof cs) => {
            const arms = specs.map((spec) => storeArm(windowOf(spec)));
            return { one: viewOf(arms.slice(2)), act: viewOf(arms.slice(1)), flag: viewOf(arms) };
          };
          const ctx: CheckContext = {
            tier: policy.tiers[tierName]!,
            stats: policy.statistics,
            source: 'own_history',
            baselineLabel: 'own history',
            tenantId: 't-1',
            gate,
            minutes: { one: 5, act: 10, flag: 15 },
            ...(span ? { span: span as 'one' | 'act' | 'flag' } : {}),
          };
          const c = spans(cs);
          const b = spans(bs);
          const all = runChecks(c, b, ctx).filter((f) => f.level !== 'none');
          const only = runChecks(c, b, ctx, true);
          const key = (f: (typeof all)[number]) => [
            f.check,
            f.level,
            f.severity,
            f.z,
            f.effect,
            f.span,
            f.evidence,
            f.reason(),
          ];
          assert.deepEqual(only.map(key), all.map(key));
          leveled += only.length;
        },
      ),
      { numRuns: 150 },
    );
    assert.ok(leveled > 20, `some findings are leveled (${leveled})`);
  });
});

interface Spec {
  n: number;
  median: number;
  shift: number;
  err: number;
}

const armSpec = fc.record({
  n: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 1500 })),
  median: fc.double({ min: 50, max: 5000, noNaN: true }),
  shift: fc.double({ min: 0.5, max: 2.5, noNaN: true }),
  err: fc.double({ min: 0, max: 0.4, noNaN: true }),
});
const armSpecs = fc.array(armSpec, { minLength: 1, maxLength: 5 });

/** A fixture arm with some metrics missing (stage 1 leaves out metrics without observations). */
function windowOf(spec: Spec): ArmWindow {
  const w = fixtureArm({
    n: spec.n,
    median: spec.median,
    rates: { error_rate: spec.err, err_timeout: spec.err / 3, task_completion: 0.85 / spec.shift },
    means: { cost_usd: [0.007 * spec.shift, 0.002], judge_score: [0.8 / spec.shift, 0.1] },
  });
  if (spec.n % 3 === 1) {
    const { judge_score: _drop, ...rest } = w.metrics;
    return { ...w, metrics: rest };
  }
  return w;
}

/** The merge as first written: aggregates added arm after arm from 0, sketches merged in arm order. */
function referenceView(arms: readonly StoredArm[]): {
  requests: number;
  metric: (n: string) => MetricAggregate;
  sketch: Sketch | null;
} {
  let requests = 0;
  for (const a of arms) requests += a.requests;
  const metric = (name: string): MetricAggregate => {
    const m = { count: 0, sum: 0, sumSq: 0 };
    for (const a of arms) {
      const x = a.metrics[name];
      if (!x) continue;
      m.count += x.count;
      m.sum += x.sum;
      m.sumSq += x.sumSq;
    }
    return m;
  };
  const sketches = arms.map((a) => decodeSketch(a.sketch)).filter((s): s is Sketch => s !== null);
  return { requests, metric, sketch: mergeSketches(sketches) };
}

function assertSameView(v: ArmView, ref: ReturnType<typeof referenceView>): void {
  assert.equal(v.requests, ref.requests);
  for (const { name } of METRICS) {
    const got = metricOf(v, name);
    const want = ref.metric(name);
    assert.deepEqual([got.count, got.sum, got.sumSq], [want.count, want.sum, want.sumSq], name);
  }
  if (ref.sketch === null) return assert.equal(v.sketch, null);
  assert.ok(v.sketch);
  assert.equal(v.sketch.count, ref.sketch.count);
  assert.equal(v.sketch.zeroCount, ref.sketch.zeroCount);
  assert.equal(v.sketch.mapping, ref.sketch.mapping);
  assert.deepEqual(
    [v.sketch.positive.offset, [...v.sketch.positive.counts], v.sketch.positive.count],
    [ref.sketch.positive.offset, [...ref.sketch.positive.counts], ref.sketch.positive.count],
  );
  assert.deepEqual([...v.sketch.negative.counts], [...ref.sketch.negative.counts]);
}
