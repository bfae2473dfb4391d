/**
 * Checks that Avro types cannot express: finite, non-negative measurements, ratios in 0..1 and event
 * times in a plausible range. Each returns the reason a record is implausible, or undefined.
 */
import type { EvalEvent, RolloutCommand, TelemetryEvent } from '../../../schemas/types.ts';
import { PLAUSIBLE_TIME_MS } from './record-validator.ts';

function badTime(field: string, ms: number): string | undefined {
  if (ms < PLAUSIBLE_TIME_MS.min || ms >= PLAUSIBLE_TIME_MS.max) {
    return `field ${field}: timestamp ${ms} is outside ${PLAUSIBLE_TIME_MS.min}..${PLAUSIBLE_TIME_MS.max} epoch ms`;
  }
  return undefined;
}

function badAmount(field: string, v: number | null): string | undefined {
  if (v === null) return undefined;
  if (!Number.isFinite(v) || v < 0) return `field ${field}: expected a finite non-negative number, got ${v}`;
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
    badAmount('latencyMs', e.latencyMs) ??
    badAmount('timeToFirstTokenMs', e.timeToFirstTokenMs) ??
    badAmount('costUsd', e.costUsd) ??
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
