/** Bounded, time-ordered series for the console's read model. Pure; no I/O. */

/** A point of a series; `t` is event time, epoch ms. */
export interface Timed {
  readonly t: number;
}

/**
 * Inserts `point` into `series` (ascending `t`, mutated in place): a point with the same `t` is
 * replaced, and beyond `max` points the oldest are dropped. Returns whether the series changed.
 */
export function upsertPoint<P extends Timed>(series: P[], point: P, max: number): boolean {
  let i = series.length;
  while (i > 0 && series[i - 1]!.t > point.t) i--;
  if (i > 0 && series[i - 1]!.t === point.t) {
    series[i - 1] = point;
    return true;
  }
  if (series.length >= max && i === 0) return false;
  series.splice(i, 0, point);
  if (series.length > max) series.splice(0, series.length - max);
  return true;
}

/** Appends to a bounded list (oldest dropped first). */
export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** Deletes the smallest keys of a numeric-keyed map until it holds at most `max` entries. */
export function trimOldestKeys<V>(map: Map<number, V>, max: number): void {
  while (map.size > max) {
    let oldest = Number.POSITIVE_INFINITY;
    for (const k of map.keys()) if (k < oldest) oldest = k;
    map.delete(oldest);
  }
}
