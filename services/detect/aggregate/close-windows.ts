/**
 * Sub-window closes of one tenant: the `SignalSnapshot`s they emit and the pruning that keeps the
 * state bounded.
 */
import type { CandidateArm, SignalSnapshot } from '../../../schemas/types.ts';
import type { ArmSeries } from './arm-series.ts';
import { armWindowOf } from './arm-window.ts';
import { mergeLatency } from './latency-bins.ts';
import { requestsOf } from './metrics.ts';
import type { AggregationParams } from './params.ts';
import type { TenantState } from './tenant-state.ts';

const NO_LATENCY = mergeLatency([]);
const WINDOW = 0;
const HISTORY = 1;

/** Names the rollout of a (candidate, baseline) pair, e.g. from the rollout registry. Must be pure. */
export type RolloutIdFor = (candidateBundleId: string, baselineBundleId: string) => string;

/**
 * Closes every sub-window that ends at or before `streamTimeMs - allowedLatenessMs` (in place)
 * and returns the snapshots, ascending by windowEnd, then by candidateBundleId.
 *
 * At the close of sub-window k, each candidate bundle (seen on `canary`, else `shadow`) with
 * observations in the rolling window [windowEnd - windowMs, windowEnd) yields one snapshot:
 * - candidate: that bundle's arm in the window;
 * - baseline: the tenant's stable bundle (other than the candidate) with the latest observations
 *   up to windowEnd, in the same window (requests = 0 when it has none there); with no stable
 *   traffic retained at all, the bundle named by the candidate's eval events, or '';
 * - history: the same stable bundle over [windowStart - historyMs, windowStart), null if none.
 * A candidate bundle that yielded a snapshot at k − 1 and has no observations left at k yields a
 * marker instead (`candidateTrafficEnded`, empty arms): the tenant has nothing for this window of its
 * rollout, which trigger would otherwise wait for. Other closes without candidate observations emit
 * nothing, so an idle tenant costs O(1). Afterwards buckets no later close can read (nor its marker
 * check) and the ids of closed sub-windows are dropped.
 */
export function closeWindows(
  s: TenantState,
  streamTimeMs: number,
  p: AggregationParams,
  rolloutIdFor: RolloutIdFor,
): SignalSnapshot[] {
  const sub = p.subWindowMs;
  const lastClosable = Math.floor((streamTimeMs - p.allowedLatenessMs) / sub) - 1;
  if (!(lastClosable >= s.nextCloseK)) return [];
  const spanW = p.windowMs / sub;
  const out: SignalSnapshot[] = [];
  const candidates = s.series.filter((x) => x.arm !== 'stable');
  let k = s.nextCloseK;
  for (;;) {
    let next = Infinity;
    for (const c of candidates) next = Math.min(next, c.firstBucketFrom(k - spanW + 1));
    if (next > k) {
      if (k <= lastClosable) emitAt(s, k, candidates, p, rolloutIdFor, out);
      k = next;
    }
    if (k > lastClosable) break;
    emitAt(s, k, candidates, p, rolloutIdFor, out);
    k++;
  }
  s.nextCloseK = lastClosable + 1;
  prune(s, spanW, p.historyMs / sub);
  return out;
}

function emitAt(
  s: TenantState,
  k: number,
  candidates: readonly ArmSeries[],
  p: AggregationParams,
  rolloutIdFor: RolloutIdFor,
  out: SignalSnapshot[],
): void {
  const sub = p.subWindowMs;
  const lo = k - p.windowMs / sub + 1;
  const spanH = p.historyMs / sub;
  const active = candidates.filter((c) => c.hasBucketIn(lo, k));
  const ended = candidates.filter(
    (c) => c.hasBucketIn(lo - 1, lo - 1) && !active.some((a) => a.bundleId === c.bundleId),
  );
  const bundles = [...new Set([...active, ...ended].map((c) => c.bundleId))].sort();
  for (const bundleId of bundles) {
    const cand =
      active.find((c) => c.bundleId === bundleId && c.arm === 'canary') ??
      active.find((c) => c.bundleId === bundleId) ??
      ended.find((c) => c.bundleId === bundleId && c.arm === 'canary') ??
      ended.find((c) => c.bundleId === bundleId)!;
    const isEnded = !active.includes(cand);
    const base = baselineSeries(s, bundleId, lo - spanH, k);
    const baselineBundleId = base?.bundleId ?? hintFor(candidates, bundleId);
    const rolloutId = rolloutIdFor(bundleId, baselineBundleId);
    const windowEnd = (k + 1) * sub;
    const historyParts = base === null || isEnded ? [] : base.partsIn(lo - spanH, lo - 1);
    if (isEnded) {
      out.push(
        endedMarker(s, rolloutId, bundleId, baselineBundleId, cand.arm as CandidateArm, lo * sub, windowEnd),
      );
      continue;
    }
    out.push({
      snapshotId: `${rolloutId}/${s.tenantId}/${windowEnd}`,
      rolloutId,
      tenantId: s.tenantId,
      tenantTier: s.tenantTier,
      candidateBundleId: bundleId,
      baselineBundleId,
      candidateArm: cand.arm as CandidateArm,
      windowStart: lo * sub,
      windowEnd,
      candidate: armWindowOf(bundleId, cand.partsIn(lo, k), cand.latencyIn(lo, k, WINDOW)),
      baseline:
        base === null
          ? armWindowOf(baselineBundleId, [], NO_LATENCY)
          : armWindowOf(baselineBundleId, base.partsIn(lo, k), base.latencyIn(lo, k, WINDOW)),
      history:
        base === null || historyParts.length === 0
          ? null
          : armWindowOf(baselineBundleId, historyParts, base.latencyIn(lo - spanH, lo - 1, HISTORY)),
      lateDropped: s.lateDropped,
      duplicatesDropped: s.duplicatesDropped,
      candidateTrafficEnded: false,
    });
  }
}

function endedMarker(
  s: TenantState,
  rolloutId: string,
  bundleId: string,
  baselineBundleId: string,
  candidateArm: CandidateArm,
  windowStart: number,
  windowEnd: number,
): SignalSnapshot {
  return {
    snapshotId: `${rolloutId}/${s.tenantId}/${windowEnd}`,
    rolloutId,
    tenantId: s.tenantId,
    tenantTier: s.tenantTier,
    candidateBundleId: bundleId,
    baselineBundleId,
    candidateArm,
    windowStart,
    windowEnd,
    candidate: armWindowOf(bundleId, [], NO_LATENCY),
    baseline: armWindowOf(baselineBundleId, [], NO_LATENCY),
    history: null,
    lateDropped: s.lateDropped,
    duplicatesDropped: s.duplicatesDropped,
    candidateTrafficEnded: true,
  };
}

/**
 * The stable series (not the candidate's bundle) with the latest bucket in [from, k]; ties: more
 * requests there, then bundleId. Older buckets are ignored so that pruning cannot change the choice.
 */
function baselineSeries(
  s: TenantState,
  candidateBundleId: string,
  from: number,
  k: number,
): ArmSeries | null {
  let best: ArmSeries | null = null;
  let bestK = -Infinity;
  for (const x of s.series) {
    if (x.arm !== 'stable' || x.bundleId === candidateBundleId) continue;
    const lk = x.lastBucketUpTo(k);
    if (lk < from) continue;
    if (best === null || lk > bestK || (lk === bestK && beats(x, best, lk))) {
      best = x;
      bestK = lk;
    }
  }
  return best;
}

function beats(a: ArmSeries, b: ArmSeries, k: number): boolean {
  const ra = requestsOf(a.bucketsIn(k, k)[0]!.metrics);
  const rb = requestsOf(b.bucketsIn(k, k)[0]!.metrics);
  return ra !== rb ? ra > rb : a.bundleId < b.bundleId;
}

function hintFor(candidates: readonly ArmSeries[], bundleId: string): string {
  const own = candidates.filter((c) => c.bundleId === bundleId && c.baselineHint !== '');
  return (own.find((c) => c.arm === 'canary') ?? own[0])?.baselineHint ?? '';
}

function prune(s: TenantState, spanW: number, spanH: number): void {
  const keepStable = s.nextCloseK - spanW - spanH + 1;
  // one sub-window more than the next close reads: its marker check looks at the bucket that just left
  const keepOther = s.nextCloseK - spanW;
  for (const x of s.series) x.dropBefore(x.arm === 'stable' ? keepStable : keepOther);
  if (s.series.some((x) => x.buckets.length === 0)) {
    s.series = s.series.filter((x) => x.buckets.length > 0);
    s.lastSeries = null;
  }
  const ws = s.idWindows;
  let n = 0;
  while (n < ws.length && ws[n]!.k < s.nextCloseK) {
    s.trackedIds -= ws[n]!.telemetry.size + ws[n]!.evals.size;
    n++;
  }
  if (n > 0) {
    s.idWindows = ws.slice(n);
    s.lastIds = null;
  }
}
