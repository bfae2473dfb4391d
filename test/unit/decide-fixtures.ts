/**
 * Stage-2 (decide) test fixtures: arm windows from counts, a latency median and rates (deterministic
 * quantile samples), snapshots of rollout r1 per minute of event time, and a run of a whole fleet.
 */
import { DDSketch } from '@datadog/sketches-js';
import { probit } from 'simple-statistics';
import type {
  AlertScore,
  ArmWindow,
  MetricAggregate,
  RollbackDecision,
  SignalSnapshot,
} from '../../schemas/types.ts';
import {
  assessSnapshot,
  finalizeWindow,
  initialRolloutState,
  type RolloutState,
} from '../../services/detect/decide/index.ts';
import { defaultPolicy, type Policy } from '../../services/detect/policy/index.ts';

export interface ArmSpec {
  n: number;
  median?: number;
  sigma?: number;
  rates?: Record<string, number>;
  means?: Record<string, [number, number]>;
}
export const RATES: Record<string, number> = {
  error_rate: 0.01,
  err_tool_call_failure: 0.002,
  err_timeout: 0.002,
  err_provider_error: 0.002,
  policy_block_rate: 0.005,
  tool_call_success: 0.97,
  refusal_rate: 0.02,
  retry_rate: 0.03,
  thumbs_down_rate: 0.02,
  task_completion: 0.85,
  policy_violation_rate: 0.001,
  pii_rate: 0.002,
};
export const MEANS: Record<string, [number, number]> = {
  ttft_ms: [300, 100],
  cost_usd: [0.007, 0.002],
  input_tokens: [800, 200],
  output_tokens: [300, 100],
  output_chars: [1200, 400],
  toxicity: [0.02, 0.01],
  judge_score: [0.8, 0.1],
  semantic_similarity: [0.9, 0.05],
};
export function arm(spec: ArmSpec, bundleId = 'b-x'): ArmWindow {
  const { n, median = 1000, sigma = 0.5 } = spec;
  const latencies = Array.from({ length: n }, (_, i) => median * Math.exp(sigma * probit((i + 0.5) / n)));
  const sketch = new DDSketch();
  for (const v of latencies) sketch.accept(v);
  const metrics: Record<string, MetricAggregate> = {};
  if (n > 0) {
    metrics.latency_ms = {
      count: n,
      sum: latencies.reduce((s, v) => s + v, 0),
      sumSq: latencies.reduce((s, v) => s + v * v, 0),
    };
    for (const [name, p] of Object.entries({ ...RATES, ...spec.rates })) {
      const events = Math.round(p * n);
      metrics[name] = { count: n, sum: events, sumSq: events };
    }
    for (const [name, [m, sd]] of Object.entries({ ...MEANS, ...spec.means })) {
      metrics[name] = { count: n, sum: m * n, sumSq: n * (sd * sd + m * m) };
    }
  }
  const q = (p: number) => (n > 0 ? sketch.getValueAtQuantile(p) : 0);
  return {
    bundleId,
    requests: n,
    metrics,
    latencyP50: q(0.5),
    latencyP95: q(0.95),
    latencyP99: q(0.99),
    latencySketch: Buffer.from(sketch.toProto()),
  };
}
export const T0 = 1_699_999_800_000; // a multiple of the 5 min window
export interface Traffic {
  cand: ArmSpec;
  base: ArmSpec;
  hist?: ArmSpec | null;
}
export function snap(tenantId: string, tier: string, minute: number, t: Traffic): SignalSnapshot {
  const windowEnd = T0 + minute * 60_000;
  return {
    snapshotId: `r1/${tenantId}/${windowEnd}`,
    rolloutId: 'r1',
    tenantId,
    tenantTier: tier,
    candidateBundleId: 'b-cand',
    baselineBundleId: 'b-base',
    candidateArm: 'canary',
    windowStart: windowEnd - 300_000,
    windowEnd,
    candidate: arm(t.cand, 'b-cand'),
    baseline: arm(t.base, 'b-base'),
    history: t.hist === null || t.hist === undefined ? null : arm(t.hist, 'b-base'),
    lateDropped: 0,
    duplicatesDropped: 0,
    candidateTrafficEnded: false,
  };
}
export interface Run {
  state: RolloutState;
  scores: AlertScore[];
  decisions: RollbackDecision[];
}
export function run(
  tenants: Record<string, string>,
  minutes: number,
  traffic: (tenant: string, minute: number) => Traffic,
  policy: Policy = defaultPolicy(),
): Run {
  const state = initialRolloutState('r1');
  const scores: AlertScore[] = [];
  const decisions: RollbackDecision[] = [];
  for (let m = 1; m <= minutes; m++) {
    for (const id of Object.keys(tenants).sort()) {
      const r = assessSnapshot(state, snap(id, tenants[id]!, m, traffic(id, m)), policy);
      scores.push(...r.scores);
      decisions.push(...r.decisions);
    }
  }
  decisions.push(...finalizeWindow(state, policy));
  return { state, scores, decisions };
}
export const healthy: Traffic = { cand: { n: 300 }, base: { n: 900 }, hist: { n: 5000 } };
