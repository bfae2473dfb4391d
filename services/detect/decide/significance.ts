import type { MetricAggregate } from '../../../schemas/types.ts';
import { Z_CAP, clampZ, meanOf, tToZ, varianceOf } from './stats.ts';
import { countAbove, quantileOf, type Sketch } from './sketch.ts';
import { hypergeometricZ } from './exact.ts';

/** Two-sample test result, signed so that a positive z means the candidate is higher. */
export interface Contrast {
  readonly candidate: number;
  readonly baseline: number;
  /** the test's own statistic (z, or Welch t) */
  readonly statistic: number;
  /** standard normal equivalent of `statistic` */
  readonly z: number;
}

/** Every cell of the 2x2 table expects at least this many counts before the normal approximation is used. */
const MIN_EXPECTED = 10;

/**
 * Signed z of `xc` of `nc` against `xb` of `nb` (integer counts): the pooled two-proportion z-test with
 * Yates' continuity correction when every cell of the 2x2 table expects >= 10 counts, else Fisher's exact
 * test ({@link hypergeometricZ}), whose tails stay honest for a handful of events in a small sample.
 */
export function proportionZ(xc: number, nc: number, xb: number, nb: number): number {
  if (nc === 0 || nb === 0) return 0;
  const n = nc + nb;
  const k = xc + xb;
  const expected = (Math.min(nc, nb) * Math.min(k, n - k)) / n;
  if (expected < MIN_EXPECTED) return clampZ(hypergeometricZ(xc, nc, k, n));
  const pooled = k / n;
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / nb));
  const diff = xc / nc - xb / nb;
  const corrected = Math.sign(diff) * Math.max(0, Math.abs(diff) - 0.5 * (1 / nc + 1 / nb));
  return se > 0 ? clampZ(corrected / se) : 0;
}

/**
 * Two-proportion test of rates given as (count, sum) of 0/1 observations (see {@link proportionZ});
 * z = 0 when either side is empty or both rates are 0 or 1.
 */
export function twoProportionZ(c: MetricAggregate, b: MetricAggregate): Contrast {
  const pc = meanOf(c);
  const pb = meanOf(b);
  const z = proportionZ(Math.round(c.sum), c.count, Math.round(b.sum), b.count);
  return { candidate: pc, baseline: pb, statistic: z, z };
}

/**
 * Welch's unequal-variance t-test from (count, sum, sumSq), df by Welch–Satterthwaite, z by
 * {@link tToZ}. Needs two observations a side (else t = 0); identical constant samples give t = 0 and
 * different constant samples ±Z_CAP.
 */
export function welchT(c: MetricAggregate, b: MetricAggregate): Contrast & { readonly df: number } {
  const mc = meanOf(c);
  const mb = meanOf(b);
  if (c.count < 2 || b.count < 2) return { candidate: mc, baseline: mb, statistic: 0, z: 0, df: 0 };
  const vc = varianceOf(c) / c.count;
  const vb = varianceOf(b) / b.count;
  const diff = mc - mb;
  if (vc + vb === 0) {
    const t = diff === 0 ? 0 : Math.sign(diff) * Z_CAP;
    return { candidate: mc, baseline: mb, statistic: t, z: t, df: c.count + b.count - 2 };
  }
  const t = clampZ(diff / Math.sqrt(vc + vb));
  const df = (vc + vb) ** 2 / (vc ** 2 / (c.count - 1) + vb ** 2 / (b.count - 1));
  return { candidate: mc, baseline: mb, statistic: t, z: clampZ(tToZ(t, df)), df };
}

export interface QuantileRatio extends Contrast {
  /** candidate quantile / baseline quantile (statistic is this ratio) */
  readonly ratio: number;
  readonly samplesCandidate: number;
  readonly samplesBaseline: number;
}

/** The q-quantile of two sketches together, by bisection in log space to the sketches' resolution. */
function pooledQuantile(c: Sketch, b: Sketch, q: number): number {
  const target = (1 - q) * (c.count + b.count);
  let lo = Math.max(Math.min(quantileOf(c, 0), quantileOf(b, 0)), 1e-9);
  let hi = Math.max(quantileOf(c, 1), quantileOf(b, 1), lo);
  const shared = c.mapping === b.mapping;
  for (let i = 0; i < 24 && hi / lo > 1.001; i++) {
    const mid = Math.sqrt(lo * hi);
    if (pooledAbove(c, b, mid, shared) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** countAbove(c, v) + countAbove(b, v), mapping `v` to its key once when both sketches share the mapping. */
function pooledAbove(c: Sketch, b: Sketch, v: number, shared: boolean): number {
  if (!shared || v <= c.mapping.minPossible) return countAbove(c, v) + countAbove(b, v);
  const key = c.mapping.key(v);
  return c.positive.countAbove(key) + b.positive.countAbove(key);
}

function ratioOf(cq: number, bq: number): number {
  return bq > 0 ? Math.min(Z_CAP, cq / bq) : cq > 0 ? Z_CAP : 1;
}

/** The `ratio` of {@link quantileRatioTest} alone, without the significance test. */
export function quantileRatio(c: Sketch, b: Sketch, q: number): number {
  return ratioOf(quantileOf(c, q), quantileOf(b, q));
}

/**
 * Ratio of the q-quantiles (e.g. p95) of two latency sketches, with a Mood-type two-sample quantile test for
 * significance: the shares of each sample above the pooled q-quantile compared as proportions
 * ({@link proportionZ}, exact for small counts).
 */
export function quantileRatioTest(c: Sketch, b: Sketch, q: number): QuantileRatio {
  const cq = quantileOf(c, q);
  const bq = quantileOf(b, q);
  const ratio = ratioOf(cq, bq);
  const threshold = pooledQuantile(c, b, q);
  const z = proportionZ(
    Math.round(countAbove(c, threshold)),
    c.count,
    Math.round(countAbove(b, threshold)),
    b.count,
  );
  return {
    candidate: cq,
    baseline: bq,
    statistic: ratio,
    z,
    ratio,
    samplesCandidate: c.count,
    samplesBaseline: b.count,
  };
}
