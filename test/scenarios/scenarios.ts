/**
 * The scenario catalogue: each a seeded ScenarioSpec plus what a correct detector must do with it.
 * Effects start at minute 60 (the canary starts at minute 20) unless said otherwise.
 */
import { baseScenario, HOUR, MINUTE, tinyTenants, type Effect, type ScenarioSpec } from './scenario-spec.ts';

export interface ScenarioExpectation {
  /** no route_back and no halt_rollout at all */
  benign: boolean;
  /** offset of the regression's onset, ms */
  onsetMs?: number;
  /** a step change: the first action must come within 10 min of the onset */
  step?: boolean;
  /** tenants that may be routed back; anyone else routed back is a wrong tenant */
  affected?: string[];
  /** at least this many of `affected` must be routed back (unless the rollout is halted, when allowed) */
  minRoutedBack?: number;
  /** halt_rollout: required, allowed, or forbidden */
  halt?: 'required' | 'allowed' | 'forbidden';
  /** the rolloutId decisions must carry */
  rolloutId?: string;
}

export interface ScenarioCase {
  spec: ScenarioSpec;
  expect: ScenarioExpectation;
}

const ONSET = 60 * MINUTE;

function withEffects(name: string, seed: number, effects: Effect[]): ScenarioSpec {
  return { ...baseScenario(name, seed), effects };
}

const tenantsOf = (spec: ScenarioSpec, pred: (tier: string, id: string) => boolean): string[] =>
  spec.tenants.filter((t) => pred(t.tier, t.tenantId)).map((t) => t.tenantId);

const all = (spec: ScenarioSpec): string[] => tenantsOf(spec, () => true);

function benign(
  name: string,
  seed: number,
  effects: Effect[] = [],
  tweak?: (s: ScenarioSpec) => void,
): ScenarioCase {
  const spec = withEffects(name, seed, effects);
  tweak?.(spec);
  return { spec, expect: { benign: true } };
}

function everyone(
  name: string,
  seed: number,
  effect: Omit<Effect, 'target' | 'onsetMs'> & { onsetMs?: number },
  step: boolean,
): ScenarioCase {
  const onsetMs = effect.onsetMs ?? ONSET;
  const spec = withEffects(name, seed, [{ ...effect, onsetMs, target: {} }]);
  return {
    spec,
    expect: { benign: false, onsetMs, step, affected: all(spec), minRoutedBack: 1, halt: 'allowed' },
  };
}

function latencyTier(): ScenarioCase {
  const spec = withEffects('latency-step-enterprise', 104, [
    {
      name: 'enterprise p95 +60%',
      onsetMs: ONSET,
      target: { tiers: ['enterprise'] },
      change: { latencyFactor: 1.6 },
    },
  ]);
  spec.canary.rolloutId = 'ro-2025-01-01-enterprise';
  const affected = tenantsOf(spec, (tier) => tier === 'enterprise');
  return {
    spec,
    expect: {
      benign: false,
      onsetMs: ONSET,
      step: true,
      affected,
      minRoutedBack: 8,
      halt: 'forbidden',
      rolloutId: spec.canary.rolloutId,
    },
  };
}

function errorHandful(): ScenarioCase {
  const affected = ['ent-03', 'pro-05', 'pro-11', 'free-07'];
  const onsetMs = ONSET + 7 * MINUTE;
  const spec = withEffects('error-spike-handful', 105, [
    {
      name: 'tool failures on 4 tenants',
      onsetMs,
      target: { tenants: affected },
      change: { errorRate: 0.2, errorOutcome: 'tool_call_failure' },
    },
  ]);
  return {
    spec,
    expect: { benign: false, onsetMs, step: true, affected, minRoutedBack: 3, halt: 'forbidden' },
  };
}

function breadthOnly(): ScenarioCase {
  const spec = withEffects('breadth-only-tiny-tenants', 114, []);
  const tiny = tinyTenants(100, 'free', 1);
  spec.tenants = [...spec.tenants, ...tiny];
  spec.effects = [
    {
      name: 'tiny tenants worse, each below min samples',
      onsetMs: ONSET,
      target: { tenants: tiny.map((t) => t.tenantId) },
      change: { latencyFactor: 1.6, errorRate: 0.08 },
    },
  ];
  return {
    spec,
    expect: {
      benign: false,
      onsetMs: ONSET,
      step: false,
      affected: tiny.map((t) => t.tenantId),
      minRoutedBack: 0,
      halt: 'required',
    },
  };
}

/** The catalogue, in the order the suite runs and reports it. */
export function scenarioCatalogue(): ScenarioCase[] {
  return [
    benign('benign', 101),
    benign('faster-but-same', 102, [
      { name: 'candidate 20% faster', onsetMs: 0, target: {}, change: { latencyFactor: 0.8 } },
    ]),
    everyone('latency-step-all', 103, { name: 'p95 +50%', change: { latencyFactor: 1.5 } }, true),
    latencyTier(),
    errorHandful(),
    everyone(
      'cost-creep',
      106,
      { name: 'tokens +80% over 60 min', rampMs: HOUR, change: { costFactor: 1.8 } },
      false,
    ),
    everyone(
      'quality-drop-while-faster',
      107,
      {
        name: 'judge -0.2, 20% faster',
        change: { latencyFactor: 0.8, judgeDelta: -0.2, taskCompletedRate: 0.72, thumbsDownRate: 0.08 },
      },
      true,
    ),
    everyone('refusals', 108, { name: 'refusals 1% -> 10%', change: { refusalRate: 0.1 } }, true),
    everyone('pii-leak', 109, { name: '3% of answers leak PII', change: { piiRate: 0.03 } }, true),
    everyone(
      'slow-drift',
      110,
      {
        name: 'latency +60% over 90 min',
        onsetMs: 30 * MINUTE,
        rampMs: 90 * MINUTE,
        change: { latencyFactor: 1.6 },
      },
      false,
    ),
    benign('load-spike-both-arms', 111, [
      {
        name: 'load x2.5 on both arms for 15 min',
        onsetMs: ONSET,
        endMs: ONSET + 15 * MINUTE,
        target: { arms: ['stable', 'canary'] },
        change: { rateFactor: 2.5, latencyFactor: 1.8, errorRate: 0.04, errorOutcome: 'timeout' },
      },
    ]),
    benign('one-noisy-tenant', 112, [
      {
        name: 'pro-04 noisy on both arms',
        onsetMs: 0,
        target: { arms: ['stable', 'canary'], tenants: ['pro-04'] },
        change: { latencySigma: 1.1, errorRate: 0.08 },
      },
    ]),
    benign('duplicates-and-late', 113, [], (s) => {
      s.duplicateRate = 0.03;
      s.late = { rate: 0.02, minDelayMs: 10_000, maxDelayMs: 6 * MINUTE };
    }),
    breadthOnly(),
  ];
}
