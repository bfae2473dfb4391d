/**
 * Draws one request's telemetry (and, for a sample, its judge verdict) from the tenant's baseline and
 * the serving bundle's profile. Pure given the PRNG.
 */
import type { Arm, EvalEvent, Feedback, Outcome, TelemetryEvent } from '../../../schemas/types.ts';
import type { SimTenant } from './fleet.ts';
import type { Prng } from './prng.ts';
import { tierValue, type BundleProfile, type ErrorOutcome } from './profiles.ts';

/** How a tenant's base error rate splits over outcomes on a neutral bundle. */
const baseErrorMix: readonly (readonly [ErrorOutcome, number])[] = [
  ['provider_error', 0.4],
  ['timeout', 0.2],
  ['tool_call_failure', 0.2],
  ['json_parse_error', 0.1],
  ['context_overflow', 0.1],
];

/** ms a timed-out request took. */
export const TIMEOUT_MS = 30_000;

export interface RequestInput {
  readonly tenant: SimTenant;
  /** Event time, epoch ms. */
  readonly timestamp: number;
  readonly eventId: string;
  readonly gatewayId: string;
  readonly sessionId: string;
  readonly bundleId: string;
  /** The tenant's stable bundle (what the judge compares with). */
  readonly baselineBundleId: string;
  readonly arm: Arm;
  readonly profile: BundleProfile;
}

export interface DrawnRequest {
  readonly telemetry: TelemetryEvent;
  readonly evaluation: EvalEvent | undefined;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function drawOutcome(rng: Prng, tenant: SimTenant, profile: BundleProfile): Outcome {
  let u = rng.next();
  for (const [outcome, share] of baseErrorMix) {
    u -= tenant.spec.baseErrorRate * share + (profile.errorRates[outcome] ?? 0);
    if (u < 0) return outcome;
  }
  for (const [outcome, p] of Object.entries(profile.errorRates) as [ErrorOutcome, number][]) {
    if (baseErrorMix.some(([o]) => o === outcome)) continue;
    u -= p;
    if (u < 0) return outcome;
  }
  return 'ok';
}

export function drawRequest(rng: Prng, input: RequestInput): DrawnRequest {
  const { tenant, profile } = input;
  const spec = tenant.spec;
  const policyViolation = rng.chance(profile.policyViolationRate);
  let outcome = drawOutcome(rng, tenant, profile);
  if (policyViolation && outcome === 'ok') outcome = 'policy_block';
  const failed = outcome !== 'ok';
  const refusal = !failed && rng.chance(profile.refusalRate);
  const median = tenant.baseLatencyMs * tierValue(profile.latencyMultiplier, tenant.tier);
  let latencyMs = rng.logNormal(median, spec.latencySigma);
  if (outcome === 'timeout') latencyMs = Math.max(latencyMs, TIMEOUT_MS);
  const inputTokens = Math.max(1, Math.round(rng.logNormal(spec.inputTokens, 0.3)));
  const fullOutput = rng.logNormal(spec.outputTokens * profile.outputLengthMultiplier, 0.4);
  const outputTokens = Math.max(1, Math.round(refusal || failed ? Math.min(fullOutput, 30) : fullOutput));
  const attempted = outcome === 'tool_call_failure' ? rng.int(1, 3) : rng.int(0, 3);
  const downRate = profile.thumbsDownRate + (failed || refusal ? 0.2 : 0);
  const f = rng.next();
  const feedback: Feedback = f < downRate ? 'down' : f < downRate + 0.05 ? 'up' : 'none';
  const pii = rng.chance(profile.piiRate);
  const telemetry: TelemetryEvent = {
    eventId: input.eventId,
    timestamp: input.timestamp,
    tenantId: tenant.tenantId,
    tenantTier: tenant.tier,
    gatewayId: input.gatewayId,
    sessionId: input.sessionId,
    bundleId: input.bundleId,
    arm: input.arm,
    latencyMs: Math.round(latencyMs * 10) / 10,
    timeToFirstTokenMs: Math.round(latencyMs * (0.15 + 0.2 * rng.next()) * 10) / 10,
    inputTokens,
    outputTokens,
    costUsd:
      Math.round(((inputTokens + outputTokens) / 1000) * spec.usdPerKTokens * profile.costMultiplier * 1e6) /
      1e6,
    outcome,
    toolCallsAttempted: attempted,
    toolCallsSucceeded: outcome === 'tool_call_failure' ? attempted - 1 : attempted,
    outputChars: outputTokens * 4,
    refusal,
    retried: rng.chance(failed ? 0.3 : 0.02),
    feedback,
    taskCompleted: !failed && !refusal && rng.chance(profile.taskCompletionRate),
    policyViolation,
    piiScore: round3(pii ? 0.85 + 0.15 * rng.next() : 0.05 * rng.next()),
    toxicity: round3(0.02 * rng.next()),
  };
  return {
    telemetry,
    evaluation: rng.chance(spec.evalSampleRate) ? judge(rng, input, telemetry) : undefined,
  };
}

function judge(rng: Prng, input: RequestInput, t: TelemetryEvent): EvalEvent {
  const penalty = (t.outcome !== 'ok' ? 0.3 : 0) + (t.refusal ? 0.2 : 0);
  return {
    evalId: `${input.eventId}-j`,
    timestamp: input.timestamp,
    tenantId: t.tenantId,
    requestEventId: input.eventId,
    bundleId: input.bundleId,
    baselineBundleId: input.baselineBundleId,
    arm: input.arm,
    judgeScore: round3(clamp01(0.82 + input.profile.judgeShift - penalty + 0.08 * rng.normal())),
    semanticSimilarity:
      input.arm === 'stable' ? null : round3(clamp01(input.profile.similarity + 0.05 * rng.normal())),
    evaluator: 'sim-judge',
  };
}
