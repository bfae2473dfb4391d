/**
 * Shared inputs of the signals and trigger tests: the demo policy, a six-tenant canary whose three
 * enterprise tenants get slower on the candidate (the scenario generator of test/scenarios), and the
 * two live processors composed in process over mock contexts.
 */
import { readFileSync } from 'node:fs';
import type { RolloutCommand, SignalSnapshot, TelemetryEvent } from '../../schemas/types.ts';
import { MockProcessorContext, testRecord } from '../../services/core/testing/mock-context.ts';
import { parsePolicy, type Policy } from '../../services/detect/policy/index.ts';
import { aggregationParamsOf } from '../../services/detect/replay/detect-stages.ts';
import type { ReplayInput } from '../../services/detect/replay/parse-input-line.ts';
import { RolloutDirectory } from '../../services/signals/rollout-directory.ts';
import { SignalsProcessor, TENANT_STORE } from '../../services/signals/signals-processor.ts';
import { generateScenario } from '../scenarios/generator.ts';
import type { ScenarioSpec } from '../scenarios/scenario-spec.ts';

export const DEMO_POLICY_PATH = new URL('../../policies/demo.yaml', import.meta.url);

export function demoPolicy(): Policy {
  return parsePolicy(readFileSync(DEMO_POLICY_PATH, 'utf8'), 'policies/demo.yaml');
}

/** 2025-06-15T14:00:00Z: a minute boundary. */
export const T0 = 1_750_000_000_000 - (1_750_000_000_000 % 60_000);
export const CANDIDATE = 'b-candidate-0001';
export const BASELINE = 'b-baseline-0001';
export const ROLLOUT = 'ro-latency';
export const DEGRADED = ['ent-1', 'ent-2', 'ent-3'];
export const BENIGN = ['pro-1', 'pro-2', 'pro-3'];

export interface LatencyCase {
  /** canary latency multiplier of the degraded tenants from `onsetMs` (1: benign) */
  readonly factor: number;
  readonly onsetMs?: number;
  readonly durationMs?: number;
  readonly startEpochMs?: number;
  readonly seed?: number;
  /** requests per minute and tenant */
  readonly ratePerMin?: number;
}

/** Six tenants, a 50 % canary from the start; the enterprise ones' canary latency × `factor` after the onset. */
export function latencySpec(c: LatencyCase): ScenarioSpec {
  const tenant = (tenantId: string, tier: string) => ({
    tenantId,
    tier,
    ratePerMin: c.ratePerMin ?? 600,
    baseLatencyMs: 800,
    latencySigma: 0.3,
    errorRate: 0.01,
  });
  return {
    name: `latency x${c.factor}`,
    seed: c.seed ?? 7,
    startEpochMs: c.startEpochMs ?? T0,
    durationMs: c.durationMs ?? 180_000,
    tenants: [...DEGRADED.map((t) => tenant(t, 'enterprise')), ...BENIGN.map((t) => tenant(t, 'pro'))],
    canary: { startMs: 0, percent: 50, candidateBundleId: CANDIDATE, baselineBundleId: BASELINE },
    evalRate: 0.1,
    effects:
      c.factor === 1
        ? []
        : [
            {
              name: `canary latency x${c.factor}`,
              onsetMs: c.onsetMs ?? 60_000,
              target: { tenants: DEGRADED },
              change: { latencyFactor: c.factor },
            },
          ],
    duplicateRate: 0,
    late: { rate: 0, minDelayMs: 0, maxDelayMs: 0 },
  };
}

export function startCommand(spec: ScenarioSpec, rolloutId = ROLLOUT): RolloutCommand {
  return {
    commandId: `cmd-${rolloutId}-start`,
    rolloutId,
    action: 'start',
    strategy: 'canary',
    candidateBundleId: spec.canary.candidateBundleId,
    baselineBundleId: spec.canary.baselineBundleId,
    tenants: spec.tenants.map((t) => ({ tenantId: t.tenantId, tenantTier: t.tier })),
    canaryPercent: spec.canary.percent,
    actor: 'test',
    reason: spec.name,
    issuedAt: spec.startEpochMs,
  };
}

/** Telemetry and eval records of a scenario (no rollout lines). */
export function scenarioRecords(spec: ScenarioSpec): Exclude<ReplayInput, { type: 'rollout' }>[] {
  return [...generateScenario(spec)].filter(
    (r): r is Exclude<ReplayInput, { type: 'rollout' }> => r.type !== 'rollout',
  );
}

/** A signals processor over a mock context, its directory knowing `commands`. */
export async function signalsHarness(policy: Policy, commands: readonly RolloutCommand[] = []) {
  const directory = new RolloutDirectory();
  for (const c of commands) directory.observe(c);
  const ctx = new MockProcessorContext({ app: 'signals', stores: [TENANT_STORE] });
  const processor = new SignalsProcessor({
    params: aggregationParamsOf(policy),
    tiers: Object.keys(policy.tiers),
    rolloutIdFor: directory.rolloutIdFor,
  });
  await processor.init(ctx);
  const feed = async (records: Iterable<Exclude<ReplayInput, { type: 'rollout' }>>): Promise<void> => {
    for (const r of records) {
      if (r.type === 'telemetry')
        await ctx.process(
          processor,
          testRecord('telemetry', r.event, r.event.timestamp, { key: r.event.tenantId }),
        );
      else
        await ctx.process(
          processor,
          testRecord('evals', r.event, r.event.timestamp, { key: r.event.tenantId }),
        );
    }
  };
  return { ctx, processor, directory, feed, snapshots: (): SignalSnapshot[] => ctx.forwardedTo('signals') };
}

/** A valid telemetry event of `tenantId` at `timestamp`; `overrides` replace fields. */
export function telemetry(
  tenantId: string,
  timestamp: number,
  eventId: string,
  overrides: Partial<TelemetryEvent> = {},
): TelemetryEvent {
  return {
    eventId,
    timestamp,
    tenantId,
    tenantTier: 'pro',
    gatewayId: 'gw-1',
    sessionId: null,
    bundleId: BASELINE,
    arm: 'stable',
    latencyMs: 800,
    timeToFirstTokenMs: null,
    inputTokens: 100,
    outputTokens: 200,
    costUsd: 0.002,
    outcome: 'ok',
    toolCallsAttempted: 0,
    toolCallsSucceeded: 0,
    outputChars: 900,
    refusal: false,
    retried: false,
    feedback: 'none',
    taskCompleted: null,
    policyViolation: false,
    piiScore: null,
    toxicity: null,
    ...overrides,
  };
}
