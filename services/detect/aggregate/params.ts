/** Parameters of stage 1 (aggregation). Every duration is event time in ms. */
export interface AggregationParams {
  /** length of a sub-window bucket; snapshots are emitted at each sub-window close */
  subWindowMs: number;
  /** rolling window of a snapshot's candidate and baseline; a multiple of subWindowMs */
  windowMs: number;
  /** a sub-window [start, end) closes when stream time >= end + allowedLatenessMs */
  allowedLatenessMs: number;
  /** the history arm covers [windowStart - historyMs, windowStart); a multiple of subWindowMs */
  historyMs: number;
  /** events stamped at or beyond stream time + maxFutureMs are dropped ('future') */
  maxFutureMs: number;
  /** piiScore (0..1) at or above which a request counts in pii_rate */
  piiFlagThreshold: number;
  /**
   * hard cap on eventIds/evalIds remembered per tenant for de-duplication, as 64-bit hashes (8 B
   * each): at the default 200 000, the chance that two distinct ids of a tenant collide is ~1.1e-9
   * (and ~1e-14 that a given event is wrongly dropped as a duplicate); see id-hash-set.ts
   */
  maxTrackedIdsPerTenant: number;
}

export const defaultAggregationParams: Readonly<AggregationParams> = Object.freeze({
  subWindowMs: 60_000,
  windowMs: 900_000,
  allowedLatenessMs: 120_000,
  historyMs: 3_600_000,
  maxFutureMs: 600_000,
  piiFlagThreshold: 0.5,
  maxTrackedIdsPerTenant: 200_000,
});

/** A parameter set that cannot work (a programmer or configuration error; not retriable). */
export class InvalidAggregationParamsError extends Error {
  readonly retriable = false;
  override readonly name = 'InvalidAggregationParamsError';
}

/** Throws {@link InvalidAggregationParamsError} unless `p` is usable; call once at startup. */
export function validateAggregationParams(p: AggregationParams): AggregationParams {
  const problems: string[] = [];
  const positiveInt = (k: keyof AggregationParams): void => {
    if (!Number.isSafeInteger(p[k]) || p[k] <= 0) problems.push(`${k} must be a positive integer`);
  };
  positiveInt('subWindowMs');
  positiveInt('windowMs');
  positiveInt('maxTrackedIdsPerTenant');
  positiveInt('maxFutureMs');
  if (!Number.isSafeInteger(p.allowedLatenessMs) || p.allowedLatenessMs < 0)
    problems.push('allowedLatenessMs must be an integer >= 0');
  if (!Number.isSafeInteger(p.historyMs) || p.historyMs < 0)
    problems.push('historyMs must be an integer >= 0');
  if (p.windowMs % p.subWindowMs !== 0) problems.push('windowMs must be a multiple of subWindowMs');
  if (p.historyMs % p.subWindowMs !== 0) problems.push('historyMs must be a multiple of subWindowMs');
  if (!(p.piiFlagThreshold >= 0 && p.piiFlagThreshold <= 1))
    problems.push('piiFlagThreshold must be in 0..1');
  if (problems.length > 0) throw new InvalidAggregationParamsError(problems.join('; '));
  return p;
}
