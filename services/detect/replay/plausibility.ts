/**
 * Checks that Avro types cannot express: finite, non-negative, bounded measurements, ratios in 0..1,
 * event times in a plausible range and ids of 1..MAX_ID_LENGTH characters (ids become state keys).
 * Each returns the reason a record is implausible, or undefined.
 */
import type { EvalEvent, RolloutCommand, TelemetryEvent } from '../../../schemas/types.ts';
import { PLAUSIBLE_TIME_MS } from './record-validator.ts';

function badTime(field: string, ms: number): string | undefined {
  if (ms < PLAUSIBLE_TIME_MS.min || ms >= PLAUSIBLE_TIME_MS.max) {
    return `field ${field}: timestamp ${ms} is outside ${PLAUSIBLE_TIME_MS.min}..${PLAUSIBLE_TIME_MS.max} epoch ms`;
  }
  return undefined;
}

/** Longest accepted id (tenant, event, bundle, gateway, session), characters. */
export const MAX_ID_LENGTH = 256;
/** Largest accepted latency of one request, ms (one day: beyond is a unit or clock bug). */
export const MAX_LATENCY_MS = 86_400_000;
/** Largest accepted cost of one request, USD. */
export const MAX_COST_USD = 1_000_000;

function badAmount(field: string, v: number | null, max = Number.MAX_VALUE): string | undefined {
  if (v === null) return undefined;
  if (!Number.isFinite(v) || v < 0) return `field ${field}: expected a finite non-negative number, got ${v}`;
  if (v > max) return `field ${field}: expected at most ${max}, got ${v}`;
  return undefined;
}

function badId(field: string, v: string | null): string | undefined {
  if (v === null) return undefined;
  if (v.length === 0 || v.length > MAX_ID_LENGTH)
    return `field ${field}: expected 1..${MAX_ID_LENGTH} characters, got ${v.length}`;
  return undefined;
}

function badRatio(field: string, v: number | null): string | undefined {
  if (v === null) return undefined;
  if (!(v >= 0 && v <= 1)) return `field ${field}: expected a ratio in 0..1, got ${v}`;
  return undefined;
}

export function implausibleTelemetry(e: TelemetryEvent): string | undefined {
  return (
    badTime('timestamp', e.timestamp) ??
    badId('tenantId', e.tenantId) ??
    badId('eventId', e.eventId) ??
    badId('bundleId', e.bundleId) ??
    badId('gatewayId', e.gatewayId) ??
    badId('sessionId', e.sessionId) ??
    badAmount('latencyMs', e.latencyMs, MAX_LATENCY_MS) ??
    badAmount('timeToFirstTokenMs', e.timeToFirstTokenMs, MAX_LATENCY_MS) ??
    badAmount('costUsd', e.costUsd, MAX_COST_USD) ??
    badAmount('inputTokens', e.inputTokens) ??
    badAmount('outputTokens', e.outputTokens) ??
    badAmount('toolCallsAttempted', e.toolCallsAttempted) ??
    badAmount('toolCallsSucceeded', e.toolCallsSucceeded) ??
    badAmount('outputChars', e.outputChars) ??
    badRatio('piiScore', e.piiScore) ??
    badRatio('toxicity', e.toxicity)
  );
}

export function implausibleEval(e: EvalEvent): string | undefined {
  return (
    badTime('timestamp', e.timestamp) ??
    badId('tenantId', e.tenantId) ??
    badId('evalId', e.evalId) ??
    badId('bundleId', e.bundleId) ??
    badRatio('judgeScore', e.judgeScore) ??
    badRatio('semanticSimilarity', e.semanticSimilarity)
  );
}

export function implausibleRollout(c: RolloutCommand): string | undefined {
  if (c.canaryPercent !== null && !(c.canaryPercent >= 0 && c.canaryPercent <= 100)) {
    return `field canaryPercent: expected 0..100, got ${c.canaryPercent}`;
  }
  if (c.action === 'start' && (c.candidateBundleId === null || c.baselineBundleId === null)) {
    return 'start command: candidateBundleId and baselineBundleId are required';
  }
  return badTime('issuedAt', c.issuedAt);
}
