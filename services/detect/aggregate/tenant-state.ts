/**
 * Stage 1 state of one tenant and the per-event entry points. For throughput the functions
 * mutate the state they are given (no copy per event); the state is owned by one caller at a time
 * (the signals processor of the tenant's partition, or replay) and persisted with
 * `encodeTenantState`.
 *
 * Time is event time only. Sub-window k covers [k * subWindowMs, (k + 1) * subWindowMs) and
 * closes when stream time >= its end + allowedLatenessMs. The caller supplies stream time: the
 * partition's max event time live, the global max in replay (see {@link advanceStreamTime}).
 */
import type { Arm, EvalEvent, TelemetryEvent } from '../../../schemas/types.ts';
import { ArmSeries } from './arm-series.ts';
import { IdHashSet } from './id-hash-set.ts';
import { addEvalMetrics, addTelemetryMetrics } from './metrics.ts';
import type { AggregationParams } from './params.ts';

/**
 * What became of one event: `late` (its sub-window has closed), `future` (stamped at or beyond
 * stream time + maxFutureMs, or not a finite time) and `duplicate` are counted and dropped.
 */
export type ObserveVerdict = 'accepted' | 'duplicate' | 'late' | 'future';

/**
 * The ids seen in one open sub-window, for de-duplication (as 64-bit hashes: see id-hash-set.ts for
 * the collision probability); dropped when the sub-window closes.
 */
export interface IdWindow {
  readonly k: number;
  readonly telemetry: IdHashSet;
  readonly evals: IdHashSet;
}

/** Mutable stage 1 state of one tenant. Treat as opaque outside services/detect/aggregate. */
export interface TenantState {
  readonly tenantId: string;
  /** tier of the tenant's latest telemetry event ('' until one is seen) */
  tenantTier: string;
  /** first sub-window index not yet closed; -Infinity before the first close */
  nextCloseK: number;
  /** one per (bundle, arm) with retained buckets, in order of first sight */
  series: ArmSeries[];
  /** ascending by k */
  idWindows: IdWindow[];
  trackedIds: number;
  /** cumulative counters */
  lateDropped: number;
  duplicatesDropped: number;
  futureDropped: number;
  /** events accepted without remembering their id because maxTrackedIdsPerTenant was reached */
  untrackedIds: number;
  lastSeries: ArmSeries | null;
  lastIds: IdWindow | null;
}

export function initialTenantState(tenantId: string): TenantState {
  return {
    tenantId,
    tenantTier: '',
    nextCloseK: -Infinity,
    series: [],
    idWindows: [],
    trackedIds: 0,
    lateDropped: 0,
    duplicatesDropped: 0,
    futureDropped: 0,
    untrackedIds: 0,
    lastSeries: null,
    lastIds: null,
  };
}

/**
 * The stream time after seeing an event at `timestampMs`: the max event time, ignoring times that
 * are not finite or lie at or beyond `streamTimeMs + maxFutureMs` (a skewed clock must not close
 * every window). Start from -Infinity.
 */
export function advanceStreamTime(streamTimeMs: number, timestampMs: number, p: AggregationParams): number {
  if (!(timestampMs < futureLimit(streamTimeMs, p)) || timestampMs <= streamTimeMs) return streamTimeMs;
  return timestampMs;
}

/**
 * Folds one telemetry event into the state (in place). `streamTimeMs` is the caller's stream time
 * (before or after advancing it with this event: the verdict is the same). An event is late when
 * its sub-window has closed, or would close at that stream time, so verdicts do not depend on how
 * often closeWindows runs.
 */
export function observeTelemetry(
  s: TenantState,
  e: TelemetryEvent,
  streamTimeMs: number,
  p: AggregationParams,
): ObserveVerdict {
  const admitted = admit(s, e.timestamp, streamTimeMs, p);
  if (admitted !== null) return admitted;
  const k = Math.floor(e.timestamp / p.subWindowMs);
  if (!remember(s, k, e.eventId, false, p)) {
    s.duplicatesDropped++;
    return 'duplicate';
  }
  s.tenantTier = e.tenantTier;
  const b = seriesFor(s, e.bundleId, e.arm).bucketAt(k);
  addTelemetryMetrics(b.metrics, e, p.piiFlagThreshold);
  const latency = e.latencyMs;
  if (latency >= 0 && latency < Infinity) b.latency.add(latency);
  return 'accepted';
}

/** Folds one eval event into the state (in place), on the (bundleId, arm) it names. */
export function observeEval(
  s: TenantState,
  e: EvalEvent,
  streamTimeMs: number,
  p: AggregationParams,
): ObserveVerdict {
  const admitted = admit(s, e.timestamp, streamTimeMs, p);
  if (admitted !== null) return admitted;
  const k = Math.floor(e.timestamp / p.subWindowMs);
  if (!remember(s, k, e.evalId, true, p)) {
    s.duplicatesDropped++;
    return 'duplicate';
  }
  const series = seriesFor(s, e.bundleId, e.arm);
  if (e.arm !== 'stable' && e.baselineBundleId !== '') series.baselineHint = e.baselineBundleId;
  addEvalMetrics(series.bucketAt(k).metrics, e);
  return 'accepted';
}

/** True when the state holds no buckets and no ids: the caller may delete it (counters restart). */
export function isTenantStateIdle(s: TenantState): boolean {
  return s.series.length === 0 && s.idWindows.length === 0;
}

function futureLimit(streamTimeMs: number, p: AggregationParams): number {
  return streamTimeMs === -Infinity ? Infinity : streamTimeMs + p.maxFutureMs;
}

function admit(
  s: TenantState,
  ts: number,
  streamTimeMs: number,
  p: AggregationParams,
): ObserveVerdict | null {
  if (!(ts < futureLimit(streamTimeMs, p))) {
    s.futureDropped++;
    return 'future';
  }
  const sub = p.subWindowMs;
  const k = Math.floor(ts / sub);
  if (k < s.nextCloseK || (k + 1) * sub + p.allowedLatenessMs <= streamTimeMs) {
    s.lateDropped++;
    return 'late';
  }
  return null;
}

function seriesFor(s: TenantState, bundleId: string, arm: Arm): ArmSeries {
  const last = s.lastSeries;
  if (last !== null && last.arm === arm && last.bundleId === bundleId) return last;
  for (const x of s.series) {
    if (x.arm === arm && x.bundleId === bundleId) {
      s.lastSeries = x;
      return x;
    }
  }
  const created = new ArmSeries(bundleId, arm);
  s.series.push(created);
  s.lastSeries = created;
  return created;
}

function remember(s: TenantState, k: number, id: string, isEval: boolean, p: AggregationParams): boolean {
  const w = idWindowAt(s, k);
  const ids = isEval ? w.evals : w.telemetry;
  if (s.trackedIds >= p.maxTrackedIdsPerTenant) {
    if (ids.has(id)) return false;
    s.untrackedIds++;
    return true;
  }
  if (!ids.add(id)) return false;
  s.trackedIds++;
  return true;
}

function idWindowAt(s: TenantState, k: number): IdWindow {
  const last = s.lastIds;
  if (last !== null && last.k === k) return last;
  const ws = s.idWindows;
  let i = ws.length;
  while (i > 0 && ws[i - 1]!.k > k) i--;
  let w = i > 0 ? ws[i - 1]! : null;
  if (w === null || w.k !== k) {
    w = { k, telemetry: new IdHashSet(), evals: new IdHashSet() };
    ws.splice(i, 0, w);
  }
  s.lastIds = w;
  return w;
}
