import type { AlertScore } from '../../../schemas/types.ts';
import type { Policy, TierPolicy } from '../policy/schema.ts';
import type { Component, Finding } from './checks.ts';
import type { Level } from './grade.ts';
import { clamp01 } from './stats.ts';

/** The seven ALERT components of one tenant and window, each in 0..1. */
export type Components = Pick<
  AlertScore,
  'anomaly' | 'latency' | 'errors' | 'regression' | 'breadth' | 'cost' | 'safety'
>;

/** Every 0..1 field of an AlertScore: the seven components and the composite. */
export const ALERT_FIELDS = [
  'anomaly',
  'latency',
  'errors',
  'regression',
  'breadth',
  'cost',
  'safety',
  'composite',
] as const satisfies ReadonlyArray<keyof AlertScore>;

const FIELD: Record<Component, keyof Components> = {
  L: 'latency',
  E: 'errors',
  R: 'regression',
  cost: 'cost',
  safety: 'safety',
};

/** Each check component is the largest severity among its counted findings; A and T come in computed. */
export function componentsOf(findings: readonly Finding[], anomaly: number, breadth: number): Components {
  const c: Components = {
    anomaly: clamp01(anomaly),
    latency: 0,
    errors: 0,
    regression: 0,
    breadth: clamp01(breadth),
    cost: 0,
    safety: 0,
  };
  for (const f of findings) {
    const field = FIELD[f.component];
    c[field] = Math.max(c[field], clamp01(f.severity));
  }
  return c;
}

/** Tier-weighted mean of the components (weights normalized by their sum), 0..1. */
export function compositeOf(c: Components, tp: TierPolicy): number {
  const w = tp.weights;
  const total = w.A + w.L + w.E + w.R + w.T + w.cost + w.safety;
  const sum =
    w.A * c.anomaly +
    w.L * c.latency +
    w.E * c.errors +
    w.R * c.regression +
    w.T * c.breadth +
    w.cost * c.cost +
    w.safety * c.safety;
  return clamp01(sum / total);
}

export function compositeLevel(composite: number, policy: Policy): Level {
  if (composite >= policy.composite.act) return 'act';
  return composite >= policy.composite.flag ? 'flag' : 'none';
}

export function describeComponents(c: Components): string {
  const parts: [string, number][] = [
    ['A', c.anomaly],
    ['L', c.latency],
    ['E', c.errors],
    ['R', c.regression],
    ['T', c.breadth],
    ['cost', c.cost],
    ['safety', c.safety],
  ];
  return parts
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
}
