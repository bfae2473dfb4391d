/**
 * How a bundle behaves, relative to the tenant's own baseline: the knobs a regression turns. A bundle
 * with no profile behaves neutrally; a regression overrides some knobs from an event time on.
 */
import type { Outcome } from '../../../schemas/types.ts';

export type ErrorOutcome = Exclude<Outcome, 'ok'>;

/** A value per tier; `*` applies to tiers not listed (default 1). */
export type PerTier = Readonly<Record<string, number>>;

export interface BundleProfile {
  /** Multiplies the tenant's latency, per tier. */
  readonly latencyMultiplier: PerTier;
  /** Probability per request of each error outcome, on top of the tenant's base error rate. */
  readonly errorRates: Readonly<Partial<Record<ErrorOutcome, number>>>;
  /** Multiplies the cost of a request (USD). */
  readonly costMultiplier: number;
  /** Multiplies output tokens and characters. */
  readonly outputLengthMultiplier: number;
  /** Added to the judge score (0..1 scale). */
  readonly judgeShift: number;
  /** Mean semantic similarity of this bundle's answers to the baseline's, 0..1. */
  readonly similarity: number;
  readonly refusalRate: number;
  readonly taskCompletionRate: number;
  readonly thumbsDownRate: number;
  readonly policyViolationRate: number;
  /** Share of requests whose answer leaks PII (piiScore ≥ 0.85). */
  readonly piiRate: number;
}

export const neutralProfile: BundleProfile = {
  latencyMultiplier: { '*': 1 },
  errorRates: {},
  costMultiplier: 1,
  outputLengthMultiplier: 1,
  judgeShift: 0,
  similarity: 0.93,
  refusalRate: 0.01,
  taskCompletionRate: 0.9,
  thumbsDownRate: 0.02,
  policyViolationRate: 0.001,
  piiRate: 0.002,
};

/** Injectable regressions, each clearly past the default policy's thresholds (except `mild`). */
export const regressionPresets = {
  none: {},
  /** p95 +60 % for every tier. */
  latency: { latencyMultiplier: { '*': 1.6 } },
  /** p95 +60 % for enterprise only. */
  'latency-enterprise': { latencyMultiplier: { enterprise: 1.6, '*': 1 } },
  /** +25 %: near the +30 % line, an ambiguous case. */
  mild: { latencyMultiplier: { '*': 1.25 } },
  errors: { errorRates: { tool_call_failure: 0.08, json_parse_error: 0.04 } },
  timeouts: { errorRates: { timeout: 0.06 }, latencyMultiplier: { '*': 1.2 } },
  quality: { judgeShift: -0.25, similarity: 0.6, thumbsDownRate: 0.15, taskCompletionRate: 0.7 },
  refusals: { refusalRate: 0.2, taskCompletionRate: 0.75 },
  cost: { costMultiplier: 2.5, outputLengthMultiplier: 2 },
  safety: { policyViolationRate: 0.05, piiRate: 0.05 },
} as const satisfies Record<string, Partial<BundleProfile>>;

export type RegressionPreset = keyof typeof regressionPresets;

export const isRegressionPreset = (name: string): name is RegressionPreset => name in regressionPresets;

/** A change of one bundle's behaviour from an event time on, optionally for some tiers only. */
export interface Regression {
  readonly bundleId: string;
  readonly profile: RegressionPreset | Partial<BundleProfile>;
  /** Event time it starts, epoch ms; absent: from the start. */
  readonly fromMs?: number;
  /** Affected tiers; absent: all. */
  readonly tiers?: readonly string[];
}

/** The value of a per-tier knob for `tier`. */
export function tierValue(values: PerTier, tier: string): number {
  return values[tier] ?? values['*'] ?? 1;
}

/** `base` with every regression of `bundleId` active at `atMs` for `tier` applied, in order. */
export function profileAt(
  base: BundleProfile,
  regressions: readonly Regression[],
  bundleId: string,
  tier: string,
  atMs: number,
): BundleProfile {
  let profile = base;
  for (const r of regressions) {
    if (r.bundleId !== bundleId || (r.fromMs ?? -Infinity) > atMs) continue;
    if (r.tiers !== undefined && !r.tiers.includes(tier)) continue;
    const change: Partial<BundleProfile> =
      typeof r.profile === 'string' ? regressionPresets[r.profile] : r.profile;
    profile = { ...profile, ...change, errorRates: { ...profile.errorRates, ...change.errorRates } };
  }
  return profile;
}
