import type { Policy, TierPolicy } from '../policy/schema.ts';
import { metricOf, type Spans } from './arm.ts';
import { meanOf } from './stats.ts';
import { metricSpec } from './metrics.ts';
import { checkById, runChecks } from './catalog.ts';
import type { CheckContext, Finding } from './checks.ts';
import { maxLevel, minLevel, type Level } from './grade.ts';
import { spanMinutes, spansOf, tierPolicy } from './spans.ts';
import type { Flagged, PoolState, RolloutState, TenantState } from './state.ts';

export type PoolKind = 'small' | 'all';

/** A confirmed pooled regression and the tenants that show it (they count in breadth T). */
export interface PoolFinding {
  readonly key: string;
  readonly level: Level;
  readonly members: readonly string[];
  readonly implicated: readonly string[];
  readonly flagged: readonly Flagged[];
}

/**
 * Tenants pooled at `windowEnd`: with candidate and baseline traffic in that window, not degraded on their
 * own nor routed back automatically (a tenant a pool implicated stays, so the finding can escalate);
 * `small` keeps only those too small to judge alone (insufficient_data).
 */
function members(state: RolloutState, windowEnd: number, kind: PoolKind, tier: string): TenantState[] {
  return Object.keys(state.tenants)
    .sort()
    .map((id) => state.tenants[id]!)
    .filter((t) => {
      const e = t.recent.find((r) => r.windowEnd === windowEnd);
      if (!e || e.candidate.requests === 0 || e.baseline.requests === 0) return false;
      if (tier !== '*' && t.tier !== tier) return false;
      if (t.decided === 'automatic' || t.confirmed !== 'none') return false;
      return kind === 'small' ? t.verdict === 'insufficient_data' : t.verdict !== 'degraded';
    });
}

function dominantTier(pool: readonly TenantState[], windowEnd: number): string {
  const volume = new Map<string, number>();
  for (const t of pool) {
    const e = t.recent.find((r) => r.windowEnd === windowEnd)!;
    volume.set(t.tier, (volume.get(t.tier) ?? 0) + e.candidate.requests);
  }
  return [...volume.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

interface PoolRun {
  readonly pool: readonly TenantState[];
  readonly cand: Spans;
  readonly base: Spans;
  readonly ctx: CheckContext;
  readonly own: (t: TenantState, arm: 'candidate' | 'baseline') => Spans;
  readonly windowEnd: number;
  readonly policy: Policy;
  readonly tp: TierPolicy;
}

/** A member's own candidate against the pooled baseline: harm-signed effect, 0 without data. */
function pointEffect(f: Finding, t: TenantState, run: PoolRun): { effect: number; weight: number } {
  const r = checkById(f.check).evaluate(run.own(t, 'candidate'), run.base, {
    ...run.ctx,
    gate: false,
    tenantId: t.tenantId,
  });
  return r ? { effect: r.effect, weight: r.evidence.samplesCandidate } : { effect: 0, weight: 0 };
}

/** The finding's level once the member contributing most to it is left out (one noisy tenant is not enough). */
function leaveOneOut(f: Finding, run: PoolRun): Level {
  let top = -1;
  let topContribution = -Infinity;
  run.pool.forEach((t, i) => {
    const p = pointEffect(f, t, run);
    if (p.effect * p.weight > topContribution) [top, topContribution] = [i, p.effect * p.weight];
  });
  const rest = run.pool.filter((_, i) => i !== top);
  const c = spansOf(rest, run.windowEnd, run.policy, run.tp, 'candidate');
  const b = spansOf(rest, run.windowEnd, run.policy, run.tp, 'baseline');
  const again = checkById(f.check).evaluate(c, b, run.ctx);
  return again ? minLevel(f.level, again.level) : 'none';
}

const SCORES = new Set(['judge_score', 'semantic_similarity', 'toxicity']);

/**
 * Whether a member shows the pooled finding on its own data: its candidate moved from its own stable
 * traffic (the pool's stable without any) by more than half the pool's shift, the same way. Shifts are
 * log-ratios of means for latency (latency_ms), cost and sizes, differences for rates and 0..1 scores.
 * Noisy for tiny tenants, so it only decides who counts in breadth T, never who is routed back.
 */
function shows(f: Finding, t: TenantState, run: PoolRun): boolean {
  const metric = f.check.startsWith('latency_') ? 'latency_ms' : f.check;
  const relative = metricSpec(metric).kind === 'mean' && !SCORES.has(metric);
  const shift = (c: number, b: number): number => (relative ? (c > 0 && b > 0 ? Math.log(c / b) : 0) : c - b);
  const poolBase = meanOf(metricOf(run.base.flag, metric));
  const pool = shift(meanOf(metricOf(run.cand.flag, metric)), poolBase);
  const ownCandidate = metricOf(run.own(t, 'candidate').flag, metric);
  if (ownCandidate.count === 0 || pool === 0) return false;
  const ownBaseline = metricOf(run.own(t, 'baseline').flag, metric);
  const reference = ownBaseline.count > 0 ? meanOf(ownBaseline) : poolBase;
  return shift(meanOf(ownCandidate), reference) * Math.sign(pool) > Math.abs(pool) / 2;
}

function implicated(robust: readonly Finding[], run: PoolRun): string[] {
  return run.pool.filter((t) => robust.some((f) => shows(f, t, run))).map((t) => t.tenantId);
}

function advance(ps: PoolState, level: Level, confirmWindows: number): Level {
  ps.recentLevels = [...ps.recentLevels, level].slice(-confirmWindows);
  ps.cleanStreak = level === 'none' ? ps.cleanStreak + 1 : 0;
  if (ps.recentLevels.length < confirmWindows || ps.recentLevels.some((l) => l === 'none')) return 'none';
  return ps.recentLevels.reduce<Level>(minLevel, 'act');
}

/**
 * Pooled detection over the window ending at `windowEnd` (updates `state.pools`): per tier and over all
 * tiers ('*'), the candidate vs concurrent stable of the pooled members, for both the small tenants and all
 * not-yet-degraded tenants. A finding counts when it survives leaving out its top contributor and holds
 * for hysteresis.confirmWindows windows; the all-tier pool only adds checks no tier pool flagged.
 */
export function assessPools(state: RolloutState, policy: Policy, windowEnd: number): PoolFinding[] {
  const tiers = [...new Set(Object.values(state.tenants).map((t) => t.tier))].sort();
  const out: PoolFinding[] = [];
  for (const kind of ['small', 'all'] as const) {
    const byTier = new Set<string>();
    for (const tier of [...tiers, '*']) {
      const pool = members(state, windowEnd, kind, tier);
      if (pool.length < policy.breadth.pool.minTenants) continue;
      const tierName = tier === '*' ? dominantTier(pool, windowEnd) : tier;
      const tp = tierPolicy(policy, tierName);
      const label = `concurrent stable (${tier === '*' ? 'all tiers' : tier}, ${pool.length} ${kind === 'small' ? 'small ' : ''}tenants pooled)`;
      const ctx: CheckContext = {
        tier: tp,
        stats: policy.statistics,
        source: 'concurrent',
        baselineLabel: label,
        tenantId: null,
        gate: true,
        minutes: spanMinutes(policy, tp),
      };
      const own = new Map<string, Spans>();
      const ownSpans = (t: TenantState, arm: 'candidate' | 'baseline'): Spans => {
        const key = `${arm}/${t.tenantId}`;
        const hit = own.get(key);
        if (hit) return hit;
        const spans = spansOf([t], windowEnd, policy, tp, arm);
        own.set(key, spans);
        return spans;
      };
      const run: PoolRun = {
        pool,
        cand: spansOf(pool, windowEnd, policy, tp, 'candidate'),
        base: spansOf(pool, windowEnd, policy, tp, 'baseline'),
        ctx,
        own: ownSpans,
        windowEnd,
        policy,
        tp,
      };
      const flagged = runChecks(run.cand, run.base, ctx, true).filter(
        (f) => f.trigger && f.level !== 'none' && (tier !== '*' || !byTier.has(f.check)),
      );
      const robust = flagged
        .map((f) => ({ ...f, level: leaveOneOut(f, run) }))
        .filter((f) => f.level !== 'none');
      if (tier !== '*') robust.forEach((f) => byTier.add(f.check));
      const key = `${kind}:${tier}`;
      const ps = (state.pools[key] ??= { recentLevels: [], cleanStreak: 0 });
      const level = advance(
        ps,
        robust.reduce<Level>((l, f) => maxLevel(l, f.level), 'none'),
        policy.hysteresis.confirmWindows,
      );
      if (level === 'none') continue;
      out.push({
        key,
        level,
        members: pool.map((t) => t.tenantId),
        implicated: implicated(robust, run),
        flagged: robust.map((f) => ({
          level: minLevel(f.level, level),
          reason: f.reason(),
          evidence: f.evidence,
        })),
      });
    }
  }
  return out;
}
