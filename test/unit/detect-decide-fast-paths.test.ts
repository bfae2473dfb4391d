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
import { sameSpans, storeArm, viewOf } from '../../services/detect/decide/arm.ts';
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
});
