import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hypergeometricZ, zFromUpperTail } from '../../services/detect/decide/exact.ts';
import {
  proportionZ,
  quantileRatioTest,
  twoProportionZ,
  welchT,
} from '../../services/detect/decide/significance.ts';
import { countAbove, sketchOf } from '../../services/detect/decide/sketch.ts';
import { normalCdf, tToZ } from '../../services/detect/decide/stats.ts';

const agg = (values: readonly number[]) => ({
  count: values.length,
  sum: values.reduce((s, v) => s + v, 0),
  sumSq: values.reduce((s, v) => s + v * v, 0),
});
const rate = (events: number, n: number) => ({ count: n, sum: events, sumSq: events });
/** deterministic "perfect" lognormal sample: the (i + 0.5) / n quantiles */
const lognormal = (n: number, median: number, sigma: number) =>
  Array.from({ length: n }, (_, i) => median * Math.exp(sigma * probitApprox((i + 0.5) / n)));
function probitApprox(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('normal helpers', () => {
  test('zFromUpperTail inverts the normal tail, also far out', () => {
    assert.ok(Math.abs(zFromUpperTail(0.05) - 1.645) < 0.01);
    assert.ok(Math.abs(zFromUpperTail(2.87e-7) - 5) < 0.02);
    assert.ok(Math.abs(zFromUpperTail(7.6e-24) - 10) < 0.05);
    assert.equal(zFromUpperTail(0.7), 0);
  });

  test('tToZ approaches t for large df and shrinks it for small df', () => {
    assert.ok(Math.abs(tToZ(3, 1e6) - 3) < 1e-3);
    assert.ok(tToZ(3, 10) < 3 && tToZ(3, 10) > 2.3);
  });
});

describe('two-proportion test', () => {
  test('large counts: pooled z with continuity correction', () => {
    const z = proportionZ(100, 1000, 60, 1000);
    const p = 0.08;
    const expected = (0.1 - 0.06 - 0.001) / Math.sqrt(p * (1 - p) * 0.002);
    assert.ok(Math.abs(z - expected) < 1e-9);
  });

  test("small counts: Fisher's exact one-sided tail", () => {
    // [[3,1],[1,3]]: one-sided p = 17/70
    assert.ok(Math.abs(hypergeometricZ(3, 4, 4, 8) - zFromUpperTail(17 / 70)) < 1e-9);
    assert.ok(proportionZ(6, 234, 0, 685) < 3.6, 'a handful of events is not a 4-sigma finding');
  });

  test('equal rates give 0; empty sides give 0', () => {
    assert.equal(twoProportionZ(rate(10, 100), rate(30, 300)).z, 0);
    assert.equal(twoProportionZ(rate(0, 0), rate(30, 300)).z, 0);
    assert.equal(twoProportionZ(rate(0, 50), rate(0, 300)).z, 0);
  });

  test('property: swapping the samples negates z; more events never lower z', () => {
    const sample = fc
      .integer({ min: 1, max: 3000 })
      .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(sample, sample, ([xc, nc], [xb, nb]) => {
        const z = proportionZ(xc, nc, xb, nb);
        assert.ok(Math.abs(z + proportionZ(xb, nb, xc, nc)) < 1e-9);
        if (xc < nc) assert.ok(proportionZ(xc + 1, nc, xb, nb) >= z - 1e-9);
        assert.ok(Number.isFinite(z) && Math.abs(z) <= 100);
      }),
    );
  });
});

describe('Welch t-test', () => {
  test('matches a hand computation', () => {
    const c = agg([10, 12, 14, 16]);
    const b = agg([8, 9, 10, 11, 12]);
    const r = welchT(c, b);
    const [vc, vb] = [20 / 3 / 4, 2.5 / 5];
    assert.ok(Math.abs(r.statistic - 3 / Math.sqrt(vc + vb)) < 1e-9);
    assert.ok(Math.abs(r.df - (vc + vb) ** 2 / (vc ** 2 / 3 + vb ** 2 / 4)) < 1e-9);
    assert.ok(r.z > 0 && r.z < r.statistic);
  });

  test('identical constant samples give 0, different constant samples the cap', () => {
    assert.equal(welchT(agg([5, 5, 5]), agg([5, 5])).statistic, 0);
    assert.equal(welchT(agg([6, 6, 6]), agg([5, 5])).statistic, 100);
    assert.equal(welchT(agg([6]), agg([5, 5])).statistic, 0);
  });

  test('property: t is invariant to shift and positive scale; sign follows the mean difference', () => {
    const values = fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 2, maxLength: 40 });
    fc.assert(
      fc.property(
        values,
        values,
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: 1, max: 20 }),
        (c, b, shift, scale) => {
          const r = welchT(agg(c), agg(b));
          const s = welchT(agg(c.map((v) => v * scale + shift)), agg(b.map((v) => v * scale + shift)));
          if (Math.abs(r.statistic) < 50)
            assert.ok(Math.abs(r.statistic - s.statistic) < 1e-6 * Math.max(1, Math.abs(r.statistic)));
          const diff = agg(c).sum / c.length - agg(b).sum / b.length;
          if (Math.abs(diff) > 1e-9 && r.statistic !== 0)
            assert.equal(Math.sign(r.statistic), Math.sign(diff));
          if (r.df > 0)
            assert.ok(
              r.df >= Math.min(c.length, b.length) - 1 - 1e-9 && r.df <= c.length + b.length - 2 + 1e-9,
            );
        },
      ),
    );
  });
});

describe('p95 ratio test', () => {
  test('identical distributions: ratio 1, no significance', () => {
    const r = quantileRatioTest(
      sketchOf(lognormal(300, 1000, 0.5)),
      sketchOf(lognormal(900, 1000, 0.5)),
      0.95,
    );
    assert.ok(Math.abs(r.ratio - 1) < 0.03);
    assert.ok(Math.abs(r.z) < 1);
    assert.equal(r.samplesCandidate, 300);
  });

  test('a 1.5x slower candidate: ratio ~1.5 and a large z', () => {
    const r = quantileRatioTest(
      sketchOf(lognormal(300, 1500, 0.5)),
      sketchOf(lognormal(900, 1000, 0.5)),
      0.95,
    );
    assert.ok(Math.abs(r.ratio - 1.5) < 0.05, String(r.ratio));
    assert.ok(r.z > 5, String(r.z));
    assert.equal(r.statistic, r.ratio);
  });

  test('small samples stay modest (exact tails)', () => {
    const r = quantileRatioTest(sketchOf(lognormal(20, 1300, 0.5)), sketchOf(lognormal(60, 1000, 0.5)), 0.95);
    assert.ok(r.z < 3.5, String(r.z));
  });

  test('property: swapping the samples flips the sign of z and inverts the ratio', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 30, max: 400 }),
        fc.integer({ min: 30, max: 400 }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        (nc, nb, shift) => {
          const c = sketchOf(lognormal(nc, 1000 * shift, 0.5));
          const b = sketchOf(lognormal(nb, 1000, 0.5));
          const ab = quantileRatioTest(c, b, 0.95);
          const ba = quantileRatioTest(b, c, 0.95);
          assert.ok(Math.abs(ab.z + ba.z) < 1e-9);
          assert.ok(Math.abs(ab.ratio * ba.ratio - 1) < 1e-9);
        },
      ),
      { numRuns: 50 },
    );
  });

  test('countAbove counts the values above a threshold at the sketch resolution', () => {
    const s = sketchOf([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.equal(countAbove(s, 55), 5);
    assert.equal(countAbove(s, 0), 10);
    assert.equal(countAbove(s, 1000), 0);
    assert.equal(countAbove(s, 50), 5.5);
  });
});
