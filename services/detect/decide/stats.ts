import { errorFunction } from 'simple-statistics';
import type { MetricAggregate } from '../../../schemas/types.ts';

/** |z| beyond this is reported as ±Z_CAP so every statistic stays a finite double. */
export const Z_CAP = 100;

export const EMPTY_AGGREGATE: MetricAggregate = Object.freeze({ count: 0, sum: 0, sumSq: 0 });

export function clampZ(z: number): number {
  if (Number.isNaN(z)) return 0;
  return Math.max(-Z_CAP, Math.min(Z_CAP, z));
}

export function clamp01(x: number): number {
  return Number.isNaN(x) ? 0 : Math.max(0, Math.min(1, x));
}

export function meanOf(a: MetricAggregate): number {
  return a.count > 0 ? a.sum / a.count : 0;
}

/** Unbiased sample variance from (count, sum, sumSq); 0 below two observations or on rounding below 0. */
export function varianceOf(a: MetricAggregate): number {
  if (a.count < 2) return 0;
  const v = (a.sumSq - (a.sum * a.sum) / a.count) / (a.count - 1);
  return v > 0 ? v : 0;
}

export function addAggregates(a: MetricAggregate, b: MetricAggregate): MetricAggregate {
  return { count: a.count + b.count, sum: a.sum + b.sum, sumSq: a.sumSq + b.sumSq };
}

/** Standard normal CDF via simple-statistics' error function (|error| < 1.2e-7). */
export function normalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/**
 * The standard normal deviate with the same tail probability as Student's t with `df` degrees of freedom
 * (Abramowitz & Stegun 26.7.8; written here because simple-statistics has no t distribution). Accurate to
 * a few hundredths for df >= 10, which the minimum sample sizes guarantee.
 */
export function tToZ(t: number, df: number): number {
  if (!Number.isFinite(df) || df <= 0) return 0;
  return (t * (1 - 1 / (4 * df))) / Math.sqrt(1 + (t * t) / (2 * df));
}
