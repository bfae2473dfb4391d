/**
 * The description of a synthetic scenario: the tenant fleet, the canary, and the effects injected into
 * the traffic with their onset. Times are offsets from the scenario start, in ms.
 */
import type { Arm, Outcome } from '../../schemas/types.ts';
import { Prng } from './prng.ts';

export interface TenantSpec {
  tenantId: string;
  tier: string;
  /** mean requests per minute */
  ratePerMin: number;
  /** median latency, ms */
  baseLatencyMs: number;
  /** log-space standard deviation of latency */
  latencySigma: number;
  errorRate: number;
}

/** What an effect changes, at full intensity. Factors multiply; rates replace the base rate. */
export interface Change {
  latencyFactor: number;
  latencySigma: number;
  errorRate: number;
  errorOutcome: Outcome;
  /** multiplies input/output tokens and so cost */
  costFactor: number;
  /** added to the judge score (0..1) */
  judgeDelta: number;
  taskCompletedRate: number;
  refusalRate: number;
  /** share of requests leaking PII (piiScore ≥ 0.85) */
  piiRate: number;
  thumbsDownRate: number;
  /** multiplies the tenant's request rate */
  rateFactor: number;
}

export interface EffectTarget {
  /** arms affected; absent: the candidate's arm only */
  arms?: Arm[];
  tenants?: string[];
  tiers?: string[];
}

export interface Effect {
  name: string;
  onsetMs: number;
  /** absent: until the end */
  endMs?: number;
  /** linear ramp from nothing to full intensity; absent or 0: a step */
  rampMs?: number;
  target: EffectTarget;
  change: Partial<Change>;
}

export interface CanarySpec {
  startMs: number;
  /** share of each tenant's requests on the candidate, 0..100 */
  percent: number;
  candidateBundleId: string;
  baselineBundleId: string;
  /** emit a `type: rollout` start command with this id; absent: the replay infers the rollout */
  rolloutId?: string;
}

export interface ScenarioSpec {
  name: string;
  seed: number;
  /** epoch ms of the scenario start */
  startEpochMs: number;
  durationMs: number;
  tenants: TenantSpec[];
  canary: CanarySpec;
  /** share of requests judged (eval events) */
  evalRate: number;
  effects: Effect[];
  /** share of events emitted twice */
  duplicateRate: number;
  /** share of events emitted late, and how late (ms) */
  late: { rate: number; minDelayMs: number; maxDelayMs: number };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const BASELINE_BUNDLE = 'b-5f2a9c0e11d4a7b3';
export const CANDIDATE_BUNDLE = 'b-9c1e77d2a0b4f613';
/** 2025-01-01T00:00:00Z */
export const SCENARIO_EPOCH_MS = 1_735_689_600_000;

const TIERS = [
  { tier: 'enterprise', count: 10, rate: [50, 90], latency: [700, 900] },
  { tier: 'pro', count: 20, rate: [18, 35], latency: [900, 1300] },
  { tier: 'free', count: 30, rate: [5, 12], latency: [1200, 1800] },
] as const;

/** The standard fleet: 60 tenants in three tiers, each with its own rate and base latency. */
export function standardFleet(seed: number): TenantSpec[] {
  const rng = new Prng(seed ^ 0x5eed);
  const out: TenantSpec[] = [];
  for (const t of TIERS) {
    for (let i = 0; i < t.count; i++) {
      out.push({
        tenantId: `${t.tier.slice(0, 3)}-${String(i + 1).padStart(2, '0')}`,
        tier: t.tier,
        ratePerMin: Math.round(rng.uniform(t.rate[0], t.rate[1]) * 10) / 10,
        baseLatencyMs: Math.round(rng.uniform(t.latency[0], t.latency[1])),
        latencySigma: 0.3,
        errorRate: 0.01,
      });
    }
  }
  return out;
}

/** `count` tiny tenants of a tier, each with `ratePerMin` requests per minute. */
export function tinyTenants(count: number, tier: string, ratePerMin: number): TenantSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    tenantId: `tiny-${String(i + 1).padStart(3, '0')}`,
    tier,
    ratePerMin,
    baseLatencyMs: 1400,
    latencySigma: 0.3,
    errorRate: 0.01,
  }));
}

/** A scenario over the standard fleet: 2 h, a 25 % canary from minute 20, 10 % of requests judged. */
export function baseScenario(name: string, seed: number): ScenarioSpec {
  return {
    name,
    seed,
    startEpochMs: SCENARIO_EPOCH_MS,
    durationMs: 2 * HOUR,
    tenants: standardFleet(seed),
    canary: {
      startMs: 20 * MINUTE,
      percent: 25,
      candidateBundleId: CANDIDATE_BUNDLE,
      baselineBundleId: BASELINE_BUNDLE,
    },
    evalRate: 0.1,
    effects: [],
    duplicateRate: 0,
    late: { rate: 0, minDelayMs: 0, maxDelayMs: 0 },
  };
}
