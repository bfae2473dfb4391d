/**
 * Z-score of an observation against exponentially weighted moving estimates of its own mean and variance
 * (West 1981 / Finch 2009 incremental form). The z is taken before the observation is folded in. `+ 0`
 * turns -0 into 0 so the state survives a JSON round trip.
 */
export interface EwmaState {
  readonly mean: number;
  /** EW variance, >= 0 */
  readonly variance: number;
  /** observations folded in so far */
  readonly n: number;
}

export interface EwmaParams {
  /** weight of the newest observation, (0, 1] */
  readonly lambda: number;
  /** |z| at or above this is an alarm */
  readonly zThreshold: number;
  /** observations needed before z is reported (z = 0 before) */
  readonly warmup: number;
}

export interface EwmaStep {
  readonly state: EwmaState;
  readonly z: number;
  readonly alarm: 'none' | 'up' | 'down';
}

export const EWMA_EMPTY: EwmaState = Object.freeze({ mean: 0, variance: 0, n: 0 });

export function ewmaStep(state: EwmaState, x: number, params: EwmaParams): EwmaStep {
  if (state.n === 0) return { state: { mean: x + 0, variance: 0, n: 1 }, z: 0, alarm: 'none' };
  const diff = x - state.mean;
  const sd = Math.sqrt(state.variance);
  const z = state.n >= params.warmup && sd > 0 ? diff / sd : 0;
  const increment = params.lambda * diff;
  const next: EwmaState = {
    mean: state.mean + increment + 0,
    variance: (1 - params.lambda) * (state.variance + diff * increment),
    n: state.n + 1,
  };
  const alarm = z >= params.zThreshold ? 'up' : z <= -params.zThreshold ? 'down' : 'none';
  return { state: next, z, alarm };
}
