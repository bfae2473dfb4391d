/**
 * Which bundle serves one request of a tenant, given its routing. Pure: the caller brings the uniform
 * draw, so a seeded PRNG makes the split reproducible.
 */
import type { RoutedBundle, RoutingCommand } from '../../schemas/types.ts';

/** The arm that serves a request. Shadow traffic is never served: it is a mirror (see `mirror`). */
export type ServedArm = 'stable' | 'canary';

export interface RouteChoice {
  /** The bundle that answers the request. */
  readonly bundle: RoutedBundle;
  readonly arm: ServedArm;
  /**
   * Shadow rollouts only: the candidate that also receives a copy of the request. Its response is
   * discarded; its telemetry carries `arm: 'shadow'`.
   */
  readonly mirror?: RoutedBundle;
}

/**
 * Chooses the candidate with probability `candidatePercent / 100`: `u` below that share picks it.
 * Canary: the candidate serves. Shadow: stable serves and the candidate gets a mirror. No candidate (or
 * 0 %): stable.
 *
 * @param u a uniform draw in [0, 1)
 */
export function chooseRoute(route: RoutingCommand, u: number): RouteChoice {
  const { candidate, candidateArm, candidatePercent, stable } = route;
  const picked = candidate !== null && u < Math.min(100, Math.max(0, candidatePercent)) / 100;
  if (!picked || candidate === null) return { bundle: stable, arm: 'stable' };
  if (candidateArm === 'shadow') return { bundle: stable, arm: 'stable', mirror: candidate };
  return { bundle: candidate, arm: 'canary' };
}
