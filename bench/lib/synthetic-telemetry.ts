/**
 * Seeded synthetic telemetry for the benchmarks: `tenants` tenants (tiers round-robin), each with
 * `eventsPerTenantMinute` requests per minute of event time on average, a share `canaryShare` of them
 * served by the candidate bundle on the canary arm, the rest by the stable bundle. Event times advance
 * evenly with up to 5 s of disorder, so the stream closes a sub-window every `subWindowMs` of event time.
 */
import type { Outcome, TelemetryEvent } from '../../schemas/types.ts';

export interface SyntheticSpec {
  readonly tenants: number;
  readonly eventsPerTenantMinute: number;
  readonly canaryShare: number;
  readonly stableBundleId: string;
  readonly candidateBundleId: string;
  /** Event time of the first event, epoch ms. */
  readonly startMs: number;
  readonly seed?: number;
  readonly tenantPrefix?: string;
  /** Candidate latency over stable (default 1: the same distribution). */
  readonly canaryLatencyFactor?: number;
}

export const TIERS = ['enterprise', 'pro', 'free'] as const;
const ERRORS: Outcome[] = ['tool_call_failure', 'json_parse_error', 'timeout', 'provider_error'];

export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Events `from` .. `from + n - 1` of the stream (deterministic per index range and seed). */
export function* syntheticTelemetry(spec: SyntheticSpec, from: number, n: number): Generator<TelemetryEvent> {
  const rand = mulberry32((spec.seed ?? 42) + from);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const spacingMs = 60_000 / (spec.eventsPerTenantMinute * spec.tenants);
  const prefix = spec.tenantPrefix ?? 'tenant-';
  for (let i = from; i < from + n; i++) {
    const tenant = Math.floor(rand() * spec.tenants);
    const canary = rand() < spec.canaryShare;
    const latencyMs = Math.exp(
      Math.log(300 * (canary ? (spec.canaryLatencyFactor ?? 1) : 1)) + 0.5 * gauss(),
    );
    const err = rand() < 0.02;
    yield {
      eventId: `ev-${i}`,
      timestamp: Math.floor(spec.startMs + i * spacingMs - rand() * 5_000),
      tenantId: `${prefix}${tenant}`,
      tenantTier: TIERS[tenant % 3]!,
      gatewayId: `gw-${tenant % 8}`,
      sessionId: null,
      bundleId: canary ? spec.candidateBundleId : spec.stableBundleId,
      arm: canary ? 'canary' : 'stable',
      latencyMs,
      timeToFirstTokenMs: latencyMs / 5,
      inputTokens: 500 + Math.floor(rand() * 1500),
      outputTokens: 50 + Math.floor(rand() * 400),
      costUsd: 0.002 + rand() * 0.01,
      outcome: err ? ERRORS[i % ERRORS.length]! : 'ok',
      toolCallsAttempted: i % 4,
      toolCallsSucceeded: i % 4 === 3 ? 2 : i % 4,
      outputChars: 200 + Math.floor(rand() * 2000),
      refusal: rand() < 0.01,
      retried: rand() < 0.02,
      feedback: rand() < 0.05 ? (rand() < 0.3 ? 'down' : 'up') : 'none',
      taskCompleted: rand() < 0.3 ? rand() < 0.9 : null,
      policyViolation: rand() < 0.001,
      piiScore: rand() < 0.5 ? rand() : null,
      toxicity: rand() < 0.5 ? rand() * 0.2 : null,
    };
  }
}
