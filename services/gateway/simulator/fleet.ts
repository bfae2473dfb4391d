/**
 * The simulated tenants: N tenants split over tiers by share, each with its own request rate and
 * baseline (latency, errors, token sizes), drawn from the seed. Same seed and options → same fleet.
 */
import { Prng } from './prng.ts';

export interface TierSpec {
  /** Share of the tenants in this tier, relative to the other tiers' shares. */
  readonly share: number;
  /** Mean requests per event-time second of one tenant (jittered ±30 % per tenant). */
  readonly ratePerSec: number;
  /** Median latency, ms (jittered ±20 % per tenant). */
  readonly baseLatencyMs: number;
  /** Log-space standard deviation of latency. */
  readonly latencySigma: number;
  /** Probability of an error outcome per request on a neutral bundle. */
  readonly baseErrorRate: number;
  /** Mean tokens. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD per 1 000 tokens (input and output together, simplified). */
  readonly usdPerKTokens: number;
  /** Share of requests judged (eval events). */
  readonly evalSampleRate: number;
}

export const defaultTiers: Readonly<Record<string, TierSpec>> = {
  enterprise: {
    share: 0.2,
    ratePerSec: 4,
    baseLatencyMs: 900,
    latencySigma: 0.3,
    baseErrorRate: 0.005,
    inputTokens: 2_000,
    outputTokens: 400,
    usdPerKTokens: 0.01,
    evalSampleRate: 0.2,
  },
  pro: {
    share: 0.3,
    ratePerSec: 2,
    baseLatencyMs: 700,
    latencySigma: 0.35,
    baseErrorRate: 0.01,
    inputTokens: 1_200,
    outputTokens: 300,
    usdPerKTokens: 0.006,
    evalSampleRate: 0.1,
  },
  free: {
    share: 0.5,
    ratePerSec: 0.5,
    baseLatencyMs: 600,
    latencySigma: 0.4,
    baseErrorRate: 0.02,
    inputTokens: 600,
    outputTokens: 200,
    usdPerKTokens: 0.002,
    evalSampleRate: 0.05,
  },
};

export interface SimTenant {
  readonly index: number;
  readonly tenantId: string;
  readonly tier: string;
  /** Mean requests per event-time second. */
  readonly ratePerSec: number;
  /** Median latency, ms. */
  readonly baseLatencyMs: number;
  readonly spec: TierSpec;
}

export interface FleetOptions {
  readonly tenants: number;
  readonly seed: number;
  readonly tiers?: Readonly<Record<string, TierSpec>>;
  /** Multiplies every tenant's rate. Default 1. */
  readonly rateScale?: number;
  /** Tenant ids are `<prefix><index, 3 digits>`. Default `tenant-`. */
  readonly idPrefix?: string;
}

/** Tier sizes by largest remainder, so they add up to `n` exactly; tiers in declaration order. */
export function tierCounts(n: number, tiers: Readonly<Record<string, TierSpec>>): [string, number][] {
  const entries = Object.entries(tiers);
  const total = entries.reduce((s, [, t]) => s + t.share, 0);
  const exact = entries.map(([name, t]) => [name, (n * t.share) / total] as const);
  const counts = exact.map(([name, x]): [string, number] => [name, Math.floor(x)]);
  let left = n - counts.reduce((s, [, c]) => s + c, 0);
  const byRemainder = exact
    .map(([, x], i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break;
    const entry = counts[i];
    if (entry !== undefined) entry[1]++;
  }
  return counts;
}

export function buildFleet(options: FleetOptions): SimTenant[] {
  const tiers = options.tiers ?? defaultTiers;
  const prefix = options.idPrefix ?? 'tenant-';
  const rng = Prng.derive(options.seed, 'fleet');
  const out: SimTenant[] = [];
  for (const [tier, count] of tierCounts(options.tenants, tiers)) {
    const spec = tiers[tier] as TierSpec;
    for (let k = 0; k < count; k++) {
      const index = out.length;
      out.push({
        index,
        tenantId: `${prefix}${String(index).padStart(3, '0')}`,
        tier,
        ratePerSec: spec.ratePerSec * (options.rateScale ?? 1) * (0.7 + 0.6 * rng.next()),
        baseLatencyMs: spec.baseLatencyMs * (0.8 + 0.4 * rng.next()),
        spec,
      });
    }
  }
  return out;
}
