import type { Policy } from '../policy/schema.ts';
import { maxLevel, type Level } from './grade.ts';
import { tierPolicy } from './spans.ts';
import type { RolloutState, TenantState } from './state.ts';

/** A tenant's level for breadth: confirmed on its own, attributed by a pool, or already routed back. */
export function effectiveLevel(t: TenantState): Level {
  const own = maxLevel(t.confirmed, t.pooled);
  return t.decided === 'automatic' ? 'act' : own;
}

export interface Breadth {
  /** T: breadthWeight-weighted share of the rollout's tenants degraded at any level, 0..1 */
  readonly any: number;
  /** the same, counting act-level tenants only */
  readonly act: number;
  /** sorted by tenantId */
  readonly degraded: readonly TenantState[];
  readonly degradedAct: readonly TenantState[];
  readonly total: number;
}

export function breadthOf(state: RolloutState, policy: Policy): Breadth {
  let all = 0;
  let any = 0;
  let act = 0;
  const degraded: TenantState[] = [];
  const degradedAct: TenantState[] = [];
  const ids = Object.keys(state.tenants).sort();
  for (const id of ids) {
    const t = state.tenants[id]!;
    const w = tierPolicy(policy, t.tier).breadthWeight;
    all += w;
    const level = effectiveLevel(t);
    if (level === 'none') continue;
    any += w;
    degraded.push(t);
    if (level === 'act') {
      act += w;
      degradedAct.push(t);
    }
  }
  return {
    any: all > 0 ? any / all : 0,
    act: all > 0 ? act / all : 0,
    degraded,
    degradedAct,
    total: ids.length,
  };
}

/** "enterprise 3/10, pro 1/20" */
export function describeBreadth(state: RolloutState, degraded: readonly TenantState[]): string {
  const total = new Map<string, number>();
  const bad = new Map<string, number>();
  for (const t of Object.values(state.tenants)) total.set(t.tier, (total.get(t.tier) ?? 0) + 1);
  for (const t of degraded) bad.set(t.tier, (bad.get(t.tier) ?? 0) + 1);
  return [...total.keys()]
    .sort()
    .filter((tier) => bad.has(tier))
    .map((tier) => `${tier} ${bad.get(tier)}/${total.get(tier)}`)
    .join(', ');
}
