import type { Policy } from '../policy/schema.ts';

/** How far a finding goes: nothing, a flag (needs_approval), or an automatic action. */
export type Level = 'none' | 'flag' | 'act';

const RANK: Record<Level, number> = { none: 0, flag: 1, act: 2 };

export function maxLevel(a: Level, b: Level): Level {
  return RANK[a] >= RANK[b] ? a : b;
}

export function minLevel(a: Level, b: Level): Level {
  return RANK[a] <= RANK[b] ? a : b;
}

export function levelRank(l: Level): number {
  return RANK[l];
}

export interface Grade {
  readonly level: Level;
  /** 0..1: 0 unless significant; 0.5 at the flag threshold, 1 at the act threshold */
  readonly severity: number;
}

/**
 * Grades a harm-signed effect (`effect` > 0 hurts) with its harm-signed z against flag/act thresholds on
 * the effect's scale. Both the effect size and the significance have to reach a level.
 */
export function grade(
  effect: number,
  z: number,
  flag: number,
  act: number,
  stats: Policy['statistics'],
): Grade {
  if (z < stats.zFlag || effect <= 0) return { level: 'none', severity: 0 };
  const significance: Level = z >= stats.zAct ? 'act' : 'flag';
  const size: Level = effect >= act ? 'act' : effect >= flag ? 'flag' : 'none';
  let severity: number;
  if (effect >= act) severity = 1;
  else if (effect >= flag) severity = act > flag ? 0.5 + (0.5 * (effect - flag)) / (act - flag) : 1;
  else severity = (0.5 * effect) / flag;
  return { level: minLevel(significance, size), severity };
}
