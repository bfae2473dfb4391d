import type { BaselineSource } from '../../../schemas/types.ts';
import type { Policy, TierPolicy } from '../policy/schema.ts';
import { sameSpans, viewOf, type Spans, type StoredArm } from './arm.ts';
import { checkById } from './catalog.ts';
import type { CheckContext, Finding } from './checks.ts';
import { anchorEntry, spanRequests, spansOf } from './spans.ts';
import type { RolloutState, TenantState } from './state.ts';

function sortedTenants(state: RolloutState, keep: (t: TenantState) => boolean): TenantState[] {
  return Object.keys(state.tenants)
    .sort()
    .map((id) => state.tenants[id]!)
    .filter(keep);
}

/** Same-tier tenants of the rollout (the tenant included) with a snapshot anchoring `windowEnd`. */
export function tierPeers(
  state: RolloutState,
  tier: string,
  windowEnd: number,
  windowMs: number,
): TenantState[] {
  return sortedTenants(state, (p) => p.tier === tier && anchorEntry(p, windowEnd, windowMs) !== null);
}

/**
 * The baseline a tenant's candidate is compared with, in order of preference: its own concurrent stable
 * traffic; the pooled concurrent stable traffic of the rollout's same-tier tenants; its own stable history.
 * Each needs the tier's minimum baseline samples over the longest span; null when none has them.
 */
export function pickBaseline(
  state: RolloutState,
  t: TenantState,
  windowEnd: number,
  policy: Policy,
  tp: TierPolicy,
): BaselineSource | null {
  const min = tp.minSamples.baseline;
  if (spanRequests([t], windowEnd, policy, 'baseline') >= min) return 'concurrent';
  const peers = tierPeers(state, t.tier, windowEnd, policy.windows.windowMs);
  if (spanRequests(peers, windowEnd, policy, 'baseline') >= min) return 'tier_pooled';
  return t.history && t.history.requests >= min ? 'own_history' : null;
}

export function baselineSpans(
  state: RolloutState,
  t: TenantState,
  source: BaselineSource,
  windowEnd: number,
  policy: Policy,
  tp: TierPolicy,
): Spans {
  if (source === 'concurrent') return spansOf([t], windowEnd, policy, tp, 'baseline');
  if (source === 'tier_pooled') {
    return spansOf(
      tierPeers(state, t.tier, windowEnd, policy.windows.windowMs),
      windowEnd,
      policy,
      tp,
      'baseline',
    );
  }
  return sameSpans(viewOf(t.history ? [t.history] : []));
}

interface Reference {
  readonly now: Spans;
  readonly before: Spans;
}

/**
 * Pairs that show whether the environment moved the same way as the candidate, for a baseline that does
 * not cancel it: own history is guarded by the tenant's own concurrent stable vs its history and by the
 * other tenants' concurrent stable vs their histories (a platform-wide load spike); the tier pool by the
 * tenant's own concurrent stable vs the pool (the tenant's own outage). Concurrent needs no guard.
 */
function references(
  state: RolloutState,
  t: TenantState,
  source: BaselineSource,
  windowEnd: number,
  policy: Policy,
  tp: TierPolicy,
): Reference[] {
  const min = policy.statistics.guard.minSamples;
  const out: Reference[] = [];
  const own = spansOf([t], windowEnd, policy, tp, 'baseline');
  const ownEnough = own.flag.requests >= min;
  if (source === 'tier_pooled' && ownEnough)
    out.push({ now: own, before: baselineSpans(state, t, source, windowEnd, policy, tp) });
  if (source !== 'own_history' || !t.history) return out;
  const history = sameSpans(viewOf([t.history]));
  if (ownEnough) out.push({ now: own, before: history });
  const windowMs = policy.windows.windowMs;
  const others = sortedTenants(
    state,
    (p) => p !== t && p.history !== null && anchorEntry(p, windowEnd, windowMs) !== null,
  );
  const now = spansOf(others, windowEnd, policy, tp, 'baseline');
  const before = viewOf(others.map((p) => p.history as StoredArm));
  if (now.flag.requests >= min && before.requests >= min) out.push({ now, before: sameSpans(before) });
  return out;
}

export interface GuardResult {
  /** check ids whose finding the reference shares */
  readonly shared: ReadonlySet<string>;
  /** true when the baseline needed a guard and no reference had enough samples: cap at needs_approval */
  readonly unguarded: boolean;
}

/** Whether `reference` moved the same way by at least guard.share of the finding's effect. */
export function movedAlike(f: Finding, reference: Reference, ctx: CheckContext, share: number): boolean {
  const r = checkById(f.check).evaluate(reference.now, reference.before, {
    ...ctx,
    gate: false,
    span: f.span,
  });
  return r !== null && f.effect > 0 && r.effect >= share * f.effect;
}

export function guardFindings(
  findings: readonly Finding[],
  state: RolloutState,
  t: TenantState,
  source: BaselineSource,
  windowEnd: number,
  policy: Policy,
  ctx: CheckContext,
): GuardResult {
  const suspects = findings.filter((f) => f.severity > 0);
  if (source === 'concurrent' || suspects.length === 0) return { shared: new Set(), unguarded: false };
  const refs = references(state, t, source, windowEnd, policy, ctx.tier);
  const share = policy.statistics.guard.share;
  const shared = new Set(
    suspects.filter((f) => refs.some((r) => movedAlike(f, r, ctx, share))).map((f) => f.check),
  );
  return { shared, unguarded: source === 'own_history' && refs.length === 0 };
}
