import type { Policy, TierPolicy } from '../policy/schema.ts';
import { viewOf, type ArmView, type Spans, type StoredArm } from './arm.ts';
import type { RecentEntry, TenantState } from './state.ts';

/** The rules of `tier`, or of the policy's defaultTier when the tier is not configured. */
export function tierPolicy(policy: Policy, tier: string): TierPolicy {
  return policy.tiers[tier] ?? policy.tiers[policy.defaultTier]!;
}

/** The longest span any rule looks back over, ms (entries older than this are pruned). */
export function maxSpanMs(policy: Policy): number {
  let max = policy.windows.windowMs;
  for (const t of Object.values(policy.tiers))
    max = Math.max(max, t.latency.flag.windowMs, t.latency.act.windowMs);
  return max;
}

export function spanMinutes(policy: Policy, tp: TierPolicy): { one: number; act: number; flag: number } {
  return {
    one: policy.windows.windowMs / 60_000,
    act: tp.latency.act.windowMs / 60_000,
    flag: tp.latency.flag.windowMs / 60_000,
  };
}

/**
 * A tenant's freshest snapshot at or before `windowEnd` and less than one window older (other tenants'
 * snapshots of the same window may not have arrived yet); null when there is none.
 */
export function anchorEntry(t: TenantState, windowEnd: number, windowMs: number): RecentEntry | null {
  for (let i = t.recent.length - 1; i >= 0; i--) {
    const e = t.recent[i]!;
    if (e.windowEnd <= windowEnd) return e.windowEnd > windowEnd - windowMs ? e : null;
  }
  return null;
}

/** Requests of one arm of the tenants over the longest span, without decoding anything. */
export function spanRequests(
  tenants: readonly TenantState[],
  windowEnd: number,
  policy: Policy,
  arm: 'candidate' | 'baseline',
): number {
  const windowMs = policy.windows.windowMs;
  return armsOver(tenants, windowEnd, maxSpanMs(policy), windowMs, arm).reduce((n, a) => n + a.requests, 0);
}

/** Each tenant's arms of the disjoint snapshot windows that tile `spanMs` back from its anchor. */
function armsOver(
  tenants: readonly TenantState[],
  windowEnd: number,
  spanMs: number,
  windowMs: number,
  arm: 'candidate' | 'baseline',
): StoredArm[] {
  const n = Math.max(1, Math.round(spanMs / windowMs));
  const out: StoredArm[] = [];
  for (const t of tenants) {
    const anchor = anchorEntry(t, windowEnd, windowMs);
    if (!anchor) continue;
    for (const e of t.recent) {
      const back = anchor.windowEnd - e.windowEnd;
      if (back >= 0 && back < n * windowMs && back % windowMs === 0) out.push(e[arm]);
    }
  }
  return out;
}

/**
 * One arm of one or more tenants over the snapshot window ending at `windowEnd` and over the latency act
 * and flag spans, each merged from disjoint snapshot windows tiled back from each tenant's anchor
 * ({@link anchorEntry}; missing windows are skipped).
 */
export function spansOf(
  tenants: readonly TenantState[],
  windowEnd: number,
  policy: Policy,
  tp: TierPolicy,
  arm: 'candidate' | 'baseline',
): Spans {
  const windowMs = policy.windows.windowMs;
  const cache = new Map<number, ArmView>();
  const view = (spanMs: number): ArmView => {
    const n = Math.max(1, Math.round(spanMs / windowMs));
    const hit = cache.get(n);
    if (hit) return hit;
    const v = viewOf(armsOver(tenants, windowEnd, spanMs, windowMs, arm));
    cache.set(n, v);
    return v;
  };
  return { one: view(windowMs), act: view(tp.latency.act.windowMs), flag: view(tp.latency.flag.windowMs) };
}
