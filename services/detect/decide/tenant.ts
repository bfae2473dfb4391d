import type {
  AlertScore,
  BaselineSource,
  Evidence,
  SignalSnapshot,
  TenantVerdict,
} from '../../../schemas/types.ts';
import type { Policy } from '../policy/schema.ts';
import { sameSpans, storeArm, viewOf, type Spans } from './arm.ts';
import { anomalyScore, updateAnomaly } from './anomaly.ts';
import { baselineSpans, guardFindings, movedAlike, pickBaseline } from './baseline.ts';
import { runChecks } from './catalog.ts';
import type { CheckContext, Finding } from './checks.ts';
import { maxLevel, minLevel, type Level } from './grade.ts';
import { baselineLabel } from './reasons.ts';
import { componentsOf, compositeLevel, compositeOf, describeComponents, type Components } from './score.ts';
import { maxSpanMs, spanMinutes, spanRequests, spansOf, tierPolicy } from './spans.ts';
import type { Flagged, RolloutState, TenantState } from './state.ts';

function recordEntry(t: TenantState, s: SignalSnapshot, policy: Policy): void {
  const entry = { windowEnd: s.windowEnd, candidate: storeArm(s.candidate), baseline: storeArm(s.baseline) };
  const kept = t.recent.filter((e) => e.windowEnd !== s.windowEnd);
  kept.push(entry);
  kept.sort((a, b) => a.windowEnd - b.windowEnd);
  const newest = kept[kept.length - 1]!.windowEnd;
  t.recent = kept.filter((e) => e.windowEnd > newest - maxSpanMs(policy));
  if (s.windowEnd >= t.lastWindowEnd) t.history = s.history ? storeArm(s.history) : null;
}

function updateHysteresis(t: TenantState, verdict: TenantVerdict, level: Level, policy: Policy): void {
  const { confirmWindows, recoverWindows } = policy.hysteresis;
  if (verdict === 'degraded') {
    t.recentLevels = [...t.recentLevels, level].slice(-confirmWindows);
    t.cleanStreak = 0;
    if (t.recentLevels.length === confirmWindows && t.recentLevels.every((l) => l !== 'none')) {
      t.confirmed = maxLevel(t.confirmed, t.recentLevels.reduce<Level>(minLevel, 'act'));
    }
  } else if (verdict === 'ok') {
    t.recentLevels = [...t.recentLevels, 'none' as const].slice(-confirmWindows);
    t.cleanStreak += 1;
    if (t.cleanStreak >= recoverWindows) {
      t.confirmed = 'none';
      t.pooled = 'none';
      t.flagged = [];
    }
  }
}

interface Assessment {
  verdict: TenantVerdict;
  level: Level;
  source: BaselineSource;
  components: Components;
  composite: number;
  evidence: Evidence[];
  flagged: Flagged[];
}

function assess(state: RolloutState, t: TenantState, s: SignalSnapshot, policy: Policy): Assessment {
  const tp = tierPolicy(policy, t.tier);
  const W = s.windowEnd;
  const picked = pickBaseline(state, t, W, policy, tp);
  const idle = componentsOf([], 0, state.breadth);
  const insufficient: Assessment = {
    verdict: 'insufficient_data',
    level: 'none',
    source: picked ?? 'concurrent',
    components: idle,
    composite: compositeOf(idle, tp),
    evidence: [],
    flagged: [],
  };
  if (picked === null || spanRequests([t], W, policy, 'candidate') < tp.minSamples.candidate)
    return insufficient;
  const cand = spansOf([t], W, policy, tp, 'candidate');
  const base = baselineSpans(state, t, picked, W, policy, tp);
  const ctx: CheckContext = {
    tier: tp,
    stats: policy.statistics,
    source: picked,
    baselineLabel: baselineLabel(picked, t.tier),
    tenantId: t.tenantId,
    gate: true,
    minutes: spanMinutes(policy, tp),
  };
  const findings = runChecks(cand, base, ctx);
  const guard = guardFindings(findings, state, t, picked, W, policy, ctx);
  const counted = findings.filter((f) => !guard.shared.has(f.check));
  let shared = guard.shared.size > 0 && findings.some((f) => guard.shared.has(f.check) && f.level !== 'none');
  const evidence = findings.map((f) => f.evidence);
  updateAnomaly(t, cand.one, base.one, W, policy, tp);
  const anomaly = anomalyScore(t, cand.one, base.one, W, policy, {
    tenantId: t.tenantId,
    baselineSource: picked,
  });
  evidence.push(...anomaly.evidence);
  const components = componentsOf(counted, anomaly.score, state.breadth);
  const composite = compositeOf(components, tp);
  const flagged: Flagged[] = counted
    .filter((f) => f.trigger && f.level !== 'none')
    .map((f) => ({ level: f.level, reason: f.reason(), evidence: f.evidence }));
  let level = flagged.reduce<Level>((l, f) => maxLevel(l, f.level), 'none');
  const byComposite = compositeLevel(composite, policy);
  if (byComposite !== 'none' && maxLevel(level, byComposite) !== level) {
    const top = [...counted].sort((a, b) => b.severity - a.severity)[0];
    const reason = `ALERT composite ${composite.toFixed(2)} (${describeComponents(components)})`;
    if (top) flagged.push({ level: byComposite, reason, evidence: top.evidence });
    level = byComposite;
  }
  if (guard.unguarded) level = minLevel(level, 'flag');
  if (
    level === 'none' &&
    picked === 'concurrent' &&
    t.history &&
    t.history.requests >= tp.minSamples.baseline
  ) {
    shared ||= sharedWithHistory(cand, base, t, ctx, policy, evidence);
  }
  const verdict: TenantVerdict = level !== 'none' ? 'degraded' : shared ? 'shared_regression' : 'ok';
  return { verdict, level, source: picked, components, composite, evidence, flagged };
}

/**
 * With a concurrent baseline a regression both arms share is cancelled already; this only names it: the
 * candidate is off against the tenant's own history and the concurrent stable moved alike.
 */
function sharedWithHistory(
  cand: Spans,
  base: Spans,
  t: TenantState,
  ctx: CheckContext,
  policy: Policy,
  evidence: Evidence[],
): boolean {
  const history = sameSpans(viewOf([t.history!]));
  const hctx: CheckContext = {
    ...ctx,
    source: 'own_history',
    baselineLabel: baselineLabel('own_history', t.tier),
  };
  const alike = runChecks(cand, history, hctx, true).filter(
    (f: Finding) =>
      f.level !== 'none' &&
      movedAlike(f, { now: base, before: history }, hctx, policy.statistics.guard.share),
  );
  evidence.push(...alike.map((f) => f.evidence));
  return alike.length > 0;
}

/**
 * Scores one tenant's snapshot and advances its hysteresis (in place). A snapshot older than the
 * tenant's newest is scored but moves no counters; a re-sent window replaces the stored one.
 */
export function assessTenant(
  state: RolloutState,
  t: TenantState,
  s: SignalSnapshot,
  policy: Policy,
): AlertScore {
  const fresh = s.windowEnd > t.lastWindowEnd;
  recordEntry(t, s, policy);
  const a = assess(state, t, s, policy);
  if (s.windowEnd >= t.lastWindowEnd) {
    t.verdict = a.verdict;
    t.level = a.level;
    t.composite = a.composite;
    if (a.verdict === 'degraded') t.flagged = a.flagged;
  }
  if (fresh) {
    updateHysteresis(t, a.verdict, a.level, policy);
    t.lastWindowEnd = s.windowEnd;
  }
  return {
    scoreId: `${state.rolloutId}/${t.tenantId}/${s.windowEnd}`,
    rolloutId: state.rolloutId,
    tenantId: t.tenantId,
    tenantTier: t.tier,
    windowEnd: s.windowEnd,
    ...a.components,
    composite: a.composite,
    verdict: a.verdict,
    baselineSource: a.source,
    evidence: a.evidence,
  };
}
