/**
 * Two-sided tabular CUSUM on standardized observations (Page 1954; Lucas & Crosier 1982):
 * `hi = max(0, hi + x - k)`, `lo = max(0, lo - x - k)`, alarm when either exceeds `h`, then both reset.
 * Calibration: bench/cusum-arl.ts.
 */
export interface CusumState {
  /** upper sum, >= 0 */
  readonly hi: number;
  /** lower sum as a magnitude, >= 0 */
  readonly lo: number;
}

export interface CusumParams {
  /** reference value (allowance), in standard deviations; 0.5 is tuned to a 1σ shift */
  readonly k: number;
  /** decision interval, in standard deviations */
  readonly h: number;
}

export type CusumAlarm = 'none' | 'up' | 'down';

export interface CusumStep {
  readonly state: CusumState;
  readonly alarm: CusumAlarm;
  /** the larger side before any reset, signed: +hi or -lo */
  readonly statistic: number;
}

export const CUSUM_ZERO: CusumState = Object.freeze({ hi: 0, lo: 0 });

export function cusumStep(state: CusumState, x: number, params: CusumParams): CusumStep {
  const hi = Math.max(0, state.hi + x - params.k);
  const lo = Math.max(0, state.lo - x - params.k);
  const statistic = hi >= lo ? hi : -lo;
  if (hi > params.h || lo > params.h) {
    return { state: CUSUM_ZERO, alarm: hi >= lo ? 'up' : 'down', statistic };
  }
  return { state: { hi, lo }, alarm: 'none', statistic };
}
