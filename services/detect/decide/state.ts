import type { Evidence, RolloutCommand, TenantVerdict } from '../../../schemas/types.ts';
import type { StoredArm } from './arm.ts';
import type { CusumState } from './cusum.ts';
import type { EwmaState } from './ewma.ts';
import type { Level } from './grade.ts';

/** How far a decision about a subject has gone; never goes back. */
export type DecidedMode = 'none' | 'needs_approval' | 'automatic';

/** One snapshot's arms, kept for span merges and pooling. */
export interface RecentEntry {
  windowEnd: number;
  candidate: StoredArm;
  baseline: StoredArm;
}

/** CUSUM and EWMA of one metric's standardized candidate-vs-baseline contrast. */
export interface DetectorState {
  cusum: CusumState;
  ewma: EwmaState;
  /** windowEnd of the last alarm in the harmful direction, -1 for none */
  alarmAt: number;
  /** the CUSUM statistic / EWMA z at that alarm */
  alarmStatistic: number;
  alarmKind: 'cusum' | 'ewma-z';
}

/** A finding kept for the reasons and evidence of a later decision. */
export interface Flagged {
  level: Level;
  reason: string;
  evidence: Evidence;
}

export interface TenantState {
  tenantId: string;
  tier: string;
  /** newest windowEnd assessed, -1 for none */
  lastWindowEnd: number;
  /** ascending windowEnd, pruned to the longest latency span */
  recent: RecentEntry[];
  /** the latest snapshot's own-history arm */
  history: StoredArm | null;
  verdict: TenantVerdict;
  /** the latest snapshot's level (none unless degraded) */
  level: Level;
  composite: number;
  /** levels of the last confirmWindows non-neutral snapshots (none = clean) */
  recentLevels: Level[];
  cleanStreak: number;
  /** level held by hysteresis: set after confirmWindows degraded snapshots, cleared after recoverWindows clean ones */
  confirmed: Level;
  /** level from a pooled (breadth) finding this tenant showed */
  pooled: Level;
  /** route_back decided for this tenant so far */
  decided: DecidedMode;
  /** the findings behind `confirmed` / `pooled` */
  flagged: Flagged[];
  /** windowEnd of the last detector update, -1 for none */
  detectorsAt: number;
  detectors: Record<string, DetectorState>;
}

/** Hysteresis of one pooled (breadth) comparison, key `${kind}:${tier}` with tier '*' for all tiers. */
export interface PoolState {
  recentLevels: Level[];
  cleanStreak: number;
}

export type RolloutStatus = 'active' | 'paused' | 'halted' | 'ended';

/**
 * Everything stage 2 keeps about one rollout. JSON data (no Map, Buffer, undefined, NaN): plain, except
 * that arms stored from snapshots are live arms (live-arm.ts), kept decoded, whose `toJSON` is the plain arm, so
 * {@link encodeRolloutState} gives the same bytes either way and decoding gives the plain form. The
 * functions of this module mutate it in place.
 */
export interface RolloutState {
  v: 1;
  rolloutId: string;
  status: RolloutStatus;
  candidateBundleId: string;
  baselineBundleId: string;
  tenants: Record<string, TenantState>;
  /** newest windowEnd seen, -1 for none */
  windowEnd: number;
  /** newest windowEnd whose rollout-level decisions were evaluated, -1 for none */
  finalizedWindowEnd: number;
  /** T (any level) and T (act level) as of the last finalized window, 0..1 */
  breadth: number;
  breadthAct: number;
  pools: Record<string, PoolState>;
  pause: DecidedMode;
  halt: DecidedMode;
}

export function initialRolloutState(rolloutId: string): RolloutState {
  return {
    v: 1,
    rolloutId,
    status: 'active',
    candidateBundleId: '',
    baselineBundleId: '',
    tenants: {},
    windowEnd: -1,
    finalizedWindowEnd: -1,
    breadth: 0,
    breadthAct: 0,
    pools: {},
    pause: 'none',
    halt: 'none',
  };
}

export function ensureTenant(state: RolloutState, tenantId: string, tier: string): TenantState {
  const existing = state.tenants[tenantId];
  if (existing) return existing;
  const t: TenantState = {
    tenantId,
    tier,
    lastWindowEnd: -1,
    recent: [],
    history: null,
    verdict: 'insufficient_data',
    level: 'none',
    composite: 0,
    recentLevels: [],
    cleanStreak: 0,
    confirmed: 'none',
    pooled: 'none',
    decided: 'none',
    flagged: [],
    detectorsAt: -1,
    detectors: {},
  };
  state.tenants[tenantId] = t;
  return t;
}

/**
 * Applies an operator's rollout command (in place): start/advance add the tenants in the rollout (the
 * breadth denominator) and the bundle ids; pause suspends decisions until resume; abort and promote end
 * the rollout. Commands for another rollout are ignored.
 */
export function observeRolloutCommand(state: RolloutState, cmd: RolloutCommand): void {
  if (cmd.rolloutId !== state.rolloutId) return;
  if (cmd.candidateBundleId) state.candidateBundleId = cmd.candidateBundleId;
  if (cmd.baselineBundleId) state.baselineBundleId = cmd.baselineBundleId;
  for (const t of cmd.tenants) ensureTenant(state, t.tenantId, t.tenantTier);
  if (state.status === 'ended' || state.status === 'halted') return;
  if (cmd.action === 'pause') state.status = 'paused';
  else if (cmd.action === 'resume' || cmd.action === 'start') state.status = 'active';
  else if (cmd.action === 'abort' || cmd.action === 'promote') state.status = 'ended';
}
