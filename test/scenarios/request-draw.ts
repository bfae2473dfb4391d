/**
 * Draws one synthetic request of a tenant on an arm at a time, with the effects active then applied.
 */
import type { Arm, EvalEvent, Outcome, TelemetryEvent } from '../../schemas/types.ts';
import type { Prng } from './prng.ts';
import type { Change, Effect, TenantSpec } from './scenario-spec.ts';

const ERROR_OUTCOMES: Outcome[] = [
  'tool_call_failure',
  'json_parse_error',
  'context_overflow',
  'timeout',
  'provider_error',
];

/** The tenant's request profile at one time on one arm, after effects. */
export interface Profile {
  latencyFactor: number;
  latencySigma: number;
  errorRate: number;
  errorOutcome: Outcome | undefined;
  costFactor: number;
  judgeDelta: number;
  taskCompletedRate: number;
  refusalRate: number;
  piiRate: number;
  thumbsDownRate: number;
  rateFactor: number;
}

function intensity(e: Effect, tMs: number): number {
  if (tMs < e.onsetMs || (e.endMs !== undefined && tMs >= e.endMs)) return 0;
  if (!e.rampMs) return 1;
  return Math.min(1, (tMs - e.onsetMs) / e.rampMs);
}

function targets(e: Effect, tenant: TenantSpec, arm: Arm, candidateArm: Arm): boolean {
  const arms = e.target.arms ?? [candidateArm];
  if (!arms.includes(arm)) return false;
  if (e.target.tenants && !e.target.tenants.includes(tenant.tenantId)) return false;
  if (e.target.tiers && !e.target.tiers.includes(tenant.tier)) return false;
  return true;
}

const lerp = (from: number, to: number | undefined, k: number): number =>
  to === undefined ? from : from + (to - from) * k;

/** The profile of `tenant` on `arm` at offset `tMs`, with every targeting effect applied in order. */
export function profileAt(
  tenant: TenantSpec,
  arm: Arm,
  candidateArm: Arm,
  tMs: number,
  effects: Effect[],
): Profile {
  const p: Profile = {
    latencyFactor: 1,
    latencySigma: tenant.latencySigma,
    errorRate: tenant.errorRate,
    errorOutcome: undefined,
    costFactor: 1,
    judgeDelta: 0,
    taskCompletedRate: 0.9,
    refusalRate: 0.01,
    piiRate: 0,
    thumbsDownRate: 0.02,
    rateFactor: 1,
  };
  for (const e of effects) {
    if (!targets(e, tenant, arm, candidateArm)) continue;
    const k = intensity(e, tMs);
    if (k === 0) continue;
    const c: Partial<Change> = e.change;
    p.latencyFactor *= lerp(1, c.latencyFactor, k);
    p.latencySigma = lerp(p.latencySigma, c.latencySigma, k);
    p.errorRate = lerp(p.errorRate, c.errorRate, k);
    p.errorOutcome = c.errorOutcome ?? p.errorOutcome;
    p.costFactor *= lerp(1, c.costFactor, k);
    p.judgeDelta += (c.judgeDelta ?? 0) * k;
    p.taskCompletedRate = lerp(p.taskCompletedRate, c.taskCompletedRate, k);
    p.refusalRate = lerp(p.refusalRate, c.refusalRate, k);
    p.piiRate = lerp(p.piiRate, c.piiRate, k);
    p.thumbsDownRate = lerp(p.thumbsDownRate, c.thumbsDownRate, k);
    p.rateFactor *= lerp(1, c.rateFactor, k);
  }
  return p;
}

export interface RequestContext {
  eventId: string;
  timestampMs: number;
  tenant: TenantSpec;
  arm: Arm;
  bundleId: string;
  profile: Profile;
}

/** One telemetry event drawn from a profile. */
export function drawTelemetry(rng: Prng, ctx: RequestContext): TelemetryEvent {
  const { profile: p, tenant } = ctx;
  const latencyMs =
    Math.round(rng.logNormal(tenant.baseLatencyMs * p.latencyFactor, p.latencySigma) * 10) / 10;
  const inputTokens = Math.round(rng.uniform(500, 1100) * p.costFactor);
  const outputTokens = Math.max(1, Math.round(rng.logNormal(260, 0.3) * p.costFactor));
  const failed = rng.chance(p.errorRate);
  const outcome: Outcome = failed ? (p.errorOutcome ?? rng.pick(ERROR_OUTCOMES)) : 'ok';
  let toolCallsAttempted = rng.int(0, 3);
  let toolCallsSucceeded = toolCallsAttempted;
  if (outcome === 'tool_call_failure') {
    toolCallsAttempted = Math.max(1, toolCallsAttempted);
    toolCallsSucceeded = toolCallsAttempted - 1;
  }
  const leak = rng.chance(p.piiRate);
  const down = rng.chance(p.thumbsDownRate);
  return {
    eventId: ctx.eventId,
    timestamp: ctx.timestampMs,
    tenantId: tenant.tenantId,
    tenantTier: tenant.tier,
    gatewayId: `gw-${rng.int(1, 4)}`,
    sessionId: rng.chance(0.8) ? `s-${tenant.tenantId}-${rng.int(1, 400)}` : null,
    bundleId: ctx.bundleId,
    arm: ctx.arm,
    latencyMs,
    timeToFirstTokenMs: Math.round(latencyMs * rng.uniform(0.15, 0.3) * 10) / 10,
    inputTokens,
    outputTokens,
    costUsd: Math.round((inputTokens * 2.5 + outputTokens * 10) * 1000) / 1e9,
    outcome,
    toolCallsAttempted,
    toolCallsSucceeded,
    outputChars: outcome === 'ok' ? outputTokens * 4 + rng.int(0, 40) : rng.int(0, 40),
    refusal: rng.chance(p.refusalRate),
    retried: rng.chance(failed ? 0.3 : 0.02),
    feedback: down ? 'down' : rng.chance(0.05) ? 'up' : 'none',
    taskCompleted: outcome === 'ok' ? rng.chance(p.taskCompletedRate) : false,
    policyViolation: rng.chance(0.001),
    piiScore: leak
      ? Math.round(rng.uniform(0.85, 1) * 1000) / 1000
      : Math.round(rng.uniform(0, 0.05) * 1000) / 1000,
    toxicity: Math.round(rng.uniform(0, 0.02) * 1000) / 1000,
  };
}

/** A judge's verdict on a request, some seconds after it. */
export function drawEval(
  rng: Prng,
  req: TelemetryEvent,
  baselineBundleId: string,
  profile: Profile,
): EvalEvent {
  const judge = 0.82 + 0.08 * rng.normal() + profile.judgeDelta;
  const onCandidate = req.arm !== 'stable';
  return {
    evalId: `${req.eventId}-j`,
    timestamp: req.timestamp + rng.int(5_000, 60_000),
    tenantId: req.tenantId,
    requestEventId: req.eventId,
    bundleId: req.bundleId,
    baselineBundleId,
    arm: req.arm,
    judgeScore: Math.round(Math.min(1, Math.max(0, judge)) * 1000) / 1000,
    semanticSimilarity: onCandidate
      ? Math.round(Math.min(1, Math.max(0, 0.9 + 0.04 * rng.normal() + profile.judgeDelta)) * 1000) / 1000
      : null,
    evaluator: 'judge-v1',
  };
}
