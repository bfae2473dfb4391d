import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Arm, EvalEvent, SignalSnapshot, TelemetryEvent } from '../../schemas/types.ts';
import {
  type AggregationParams,
  type TenantState,
  InvalidAggregationParamsError,
  advanceStreamTime,
  closeWindows,
  defaultAggregationParams,
  initialTenantState,
  isTenantStateIdle,
  observeEval,
  observeTelemetry,
  validateAggregationParams,
} from '../../services/detect/aggregate/index.ts';

function near(actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
}

const SUB = 60_000;
const T0 = 28_333_334 * SUB;
const P: AggregationParams = {
  subWindowMs: SUB,
  windowMs: 3 * SUB,
  allowedLatenessMs: 30_000,
  historyMs: 5 * SUB,
  maxFutureMs: 10 * SUB,
  piiFlagThreshold: 0.5,
  maxTrackedIdsPerTenant: 1000,
};
const rid = (c: string, b: string): string => `${c}>${b}`;

let seq = 0;
function tel(
  timestamp: number,
  arm: Arm,
  bundleId: string,
  over: Partial<TelemetryEvent> = {},
): TelemetryEvent {
  return {
    eventId: `e${++seq}`,
    timestamp,
    tenantId: 't1',
    tenantTier: 'enterprise',
    gatewayId: 'g1',
    sessionId: null,
    bundleId,
    arm,
    latencyMs: 100,
    timeToFirstTokenMs: null,
    inputTokens: 10,
    outputTokens: 10,
    costUsd: 0.01,
    outcome: 'ok',
    toolCallsAttempted: 0,
    toolCallsSucceeded: 0,
    outputChars: 50,
    refusal: false,
    retried: false,
    feedback: 'none',
    taskCompleted: null,
    policyViolation: false,
    piiScore: null,
    toxicity: null,
    ...over,
  };
}

function evl(timestamp: number, arm: Arm, bundleId: string, judgeScore: number): EvalEvent {
  return {
    evalId: `v${++seq}`,
    timestamp,
    tenantId: 't1',
    requestEventId: 'x',
    bundleId,
    baselineBundleId: 'b-s',
    arm,
    judgeScore,
    semanticSimilarity: null,
    evaluator: 'judge',
  };
}

/** Feeds events in order, tracking stream time the way the signals service does. */
function feed(
  s: TenantState,
  events: readonly (TelemetryEvent | EvalEvent)[],
  streamTime = -Infinity,
): number {
  for (const e of events) {
    if ('eventId' in e) observeTelemetry(s, e, streamTime, P);
    else observeEval(s, e, streamTime, P);
    streamTime = advanceStreamTime(streamTime, e.timestamp, P);
  }
  return streamTime;
}

/** Snapshots and markers of the closes up to stream time `t`. */
const closeWithMarkers = (s: TenantState, t: number): SignalSnapshot[] => closeWindows(s, t, P, rid);
/** Snapshots only (no `candidateTrafficEnded` markers). */
const closeAt = (s: TenantState, t: number): SignalSnapshot[] =>
  closeWithMarkers(s, t).filter((x) => !x.candidateTrafficEnded);

describe('window closing on event time', () => {
  test('a sub-window closes when stream time reaches its end plus the allowed lateness, once', () => {
    const s = initialTenantState('t1');
    feed(s, [tel(T0 + 10_000, 'canary', 'b-c'), tel(T0 + 20_000, 'stable', 'b-s')]);
    assert.deepEqual(closeAt(s, T0 + SUB + 29_999), []);
    const [first, ...rest] = closeAt(s, T0 + SUB + 30_000);
    assert.equal(rest.length, 0);
    assert.equal(first!.windowEnd, T0 + SUB);
    assert.equal(first!.windowStart, T0 + SUB - 3 * SUB);
    assert.equal(first!.snapshotId, `b-c>b-s/t1/${T0 + SUB}`);
    assert.deepEqual(closeAt(s, T0 + SUB + 30_000), []);
  });

  test('the candidate bucket is reported at every close while it is inside the rolling window', () => {
    const s = initialTenantState('t1');
    feed(s, [tel(T0 + 10_000, 'canary', 'b-c')]);
    const ends = closeAt(s, T0 + 10 * SUB).map((x) => x.windowEnd);
    assert.deepEqual(ends, [T0 + SUB, T0 + 2 * SUB, T0 + 3 * SUB]);
  });

  test('the close after the last snapshot yields one marker with empty arms, then nothing', () => {
    const s = initialTenantState('t1');
    feed(s, [tel(T0 + 5_000, 'stable', 'b-s'), tel(T0 + 10_000, 'canary', 'b-c')]);
    const out = closeWithMarkers(s, T0 + 4 * SUB + 30_000);
    assert.deepEqual(
      out.map((x) => [x.windowEnd, x.candidateTrafficEnded]),
      [
        [T0 + SUB, false],
        [T0 + 2 * SUB, false],
        [T0 + 3 * SUB, false],
        [T0 + 4 * SUB, true],
      ],
    );
    const marker = out[3]!;
    assert.equal(marker.snapshotId, `b-c>b-s/t1/${T0 + 4 * SUB}`);
    assert.equal(marker.rolloutId, out[2]!.rolloutId);
    assert.equal(marker.baselineBundleId, 'b-s');
    assert.deepEqual([marker.candidate.requests, marker.baseline.requests, marker.history], [0, 0, null]);
    assert.deepEqual(closeWithMarkers(s, T0 + 20 * SUB), []);
    // the same, closed one sub-window at a time: the marker does not depend on how often closes run
    const t = initialTenantState('t1');
    feed(t, [tel(T0 + 5_000, 'stable', 'b-s'), tel(T0 + 10_000, 'canary', 'b-c')]);
    const stepwise = [1, 2, 3, 4, 5, 6].flatMap((i) => closeWithMarkers(t, T0 + i * SUB + 30_000));
    assert.deepEqual(stepwise, out);
  });

  test('late events are counted and dropped, never thrown', () => {
    const s = initialTenantState('t1');
    const t = feed(s, [tel(T0 + 1000, 'canary', 'b-c'), tel(T0 + SUB + 40_000, 'canary', 'b-c')]);
    assert.equal(closeAt(s, t).length, 1);
    assert.equal(observeTelemetry(s, tel(T0 + 5000, 'canary', 'b-c'), t, P), 'late');
    // closable at this stream time even though closeWindows has not run for it yet
    assert.equal(observeTelemetry(s, tel(T0 + SUB + 1, 'canary', 'b-c'), T0 + 2 * SUB + 30_000, P), 'late');
    assert.equal(
      observeTelemetry(s, tel(T0 + SUB + 1, 'canary', 'b-c'), T0 + 2 * SUB + 29_999, P),
      'accepted',
    );
    assert.equal(s.lateDropped, 2);
    const [next] = closeAt(s, T0 + 2 * SUB + 30_000);
    assert.equal(next!.lateDropped, 2);
    assert.equal(next!.candidate.requests, 3);
  });

  test('events at or beyond stream time + maxFutureMs are dropped without state', () => {
    const s = initialTenantState('t1');
    const t = feed(s, [tel(T0, 'stable', 'b-s')]);
    assert.equal(observeTelemetry(s, tel(t + P.maxFutureMs, 'canary', 'b-c'), t, P), 'future');
    assert.equal(observeTelemetry(s, tel(Number.NaN, 'canary', 'b-c'), t, P), 'future');
    assert.equal(observeTelemetry(s, tel(t + P.maxFutureMs - 1, 'canary', 'b-c'), t, P), 'accepted');
    assert.equal(s.futureDropped, 2);
    assert.equal(advanceStreamTime(t, t + P.maxFutureMs, P), t);
    assert.equal(advanceStreamTime(t, t + 5, P), t + 5);
    assert.equal(advanceStreamTime(t, t - 5, P), t);
    assert.equal(advanceStreamTime(-Infinity, T0, P), T0);
  });
});

describe('duplicates', () => {
  test('a repeated eventId or evalId is ignored and counted; ids and eval ids do not collide', () => {
    const s = initialTenantState('t1');
    const e = tel(T0 + 1, 'canary', 'b-c');
    const v = evl(T0 + 2, 'canary', 'b-c', 0.5);
    assert.equal(observeTelemetry(s, e, T0, P), 'accepted');
    assert.equal(observeTelemetry(s, { ...e, latencyMs: 9999 }, T0, P), 'duplicate');
    assert.equal(observeEval(s, v, T0, P), 'accepted');
    assert.equal(observeEval(s, v, T0, P), 'duplicate');
    assert.equal(observeEval(s, { ...v, evalId: e.eventId }, T0, P), 'accepted');
    assert.equal(s.duplicatesDropped, 2);
    const [snap] = closeAt(s, T0 + SUB + 30_000);
    assert.equal(snap!.candidate.requests, 1);
    assert.equal(snap!.candidate.metrics.latency_ms!.sum, 100);
    assert.equal(snap!.candidate.metrics.judge_score!.count, 2);
    assert.equal(snap!.duplicatesDropped, 2);
  });

  test('ids are forgotten when their sub-window closes and capped per tenant', () => {
    const s = initialTenantState('t1');
    const capped = { ...P, maxTrackedIdsPerTenant: 5 };
    const events = Array.from({ length: 10 }, (_, i) => tel(T0 + i, 'canary', 'b-c'));
    for (const e of events) assert.equal(observeTelemetry(s, e, T0, capped), 'accepted');
    assert.equal(s.trackedIds, 5);
    assert.equal(s.untrackedIds, 5);
    assert.equal(observeTelemetry(s, events[0]!, T0, capped), 'duplicate');
    closeWindows(s, T0 + SUB + 30_000, capped, rid);
    assert.equal(s.trackedIds, 0);
    assert.equal(s.idWindows.length, 0);
  });
});

describe('snapshot contents', () => {
  const history = [
    tel(T0 - 4 * SUB, 'stable', 'b-s', { latencyMs: 100 }),
    tel(T0 - 2 * SUB, 'stable', 'b-s', { latencyMs: 300 }),
  ];
  const inWindow = [
    tel(T0 + 1000, 'canary', 'b-c', { latencyMs: 200, costUsd: 0.01 }),
    tel(T0 + SUB, 'canary', 'b-c', { latencyMs: 400, costUsd: 0.02, outcome: 'timeout' }),
    tel(T0 + 2 * SUB + 5, 'canary', 'b-c', { latencyMs: 600, costUsd: 0.03 }),
    tel(T0 + 5000, 'stable', 'b-s', { latencyMs: 100 }),
    tel(T0 + 2 * SUB + 9, 'stable', 'b-s', { latencyMs: 150 }),
    evl(T0 + 3000, 'canary', 'b-c', 0.5),
    evl(T0 + 4000, 'canary', 'b-c', 0.9),
  ];
  const stream = [...history, ...inWindow].sort((a, b) => a.timestamp - b.timestamp);

  test('candidate, concurrent baseline and prior history match a hand computation', () => {
    const s = initialTenantState('t1');
    const snaps = closeAt(s, feed(s, stream) + 3 * SUB);
    const last = snaps.find((x) => x.windowEnd === T0 + 3 * SUB)!;
    assert.equal(last.windowStart, T0);
    assert.equal(last.tenantTier, 'enterprise');
    assert.equal(last.candidateArm, 'canary');
    assert.equal(last.rolloutId, 'b-c>b-s');
    const c = last.candidate;
    assert.equal(c.bundleId, 'b-c');
    assert.equal(c.requests, 3);
    assert.deepEqual(c.metrics.latency_ms, { count: 3, sum: 1200, sumSq: 560_000 });
    assert.deepEqual(c.metrics.error_rate, { count: 3, sum: 1, sumSq: 1 });
    assert.deepEqual(c.metrics.err_timeout, { count: 3, sum: 1, sumSq: 1 });
    assert.equal(c.metrics.cost_usd!.count, 3);
    near(c.metrics.cost_usd!.sum, 0.06, 1e-12);
    assert.deepEqual(c.metrics.judge_score, { count: 2, sum: 1.4, sumSq: 0.25 + 0.81 });
    near(c.latencyP50, 400, 4);
    near(c.latencyP99, 400, 4); // DDSketch ranks q * (n - 1), rounding down
    const b = last.baseline;
    assert.equal(b.bundleId, 'b-s');
    assert.equal(b.requests, 2);
    assert.deepEqual(b.metrics.latency_ms, { count: 2, sum: 250, sumSq: 32_500 });
    assert.equal(b.metrics.judge_score, undefined);
    assert.deepEqual(last.history?.metrics.latency_ms, { count: 2, sum: 400, sumSq: 100_000 });
    assert.equal(last.history?.requests, 2);
  });

  test('history is only stable traffic before windowStart and is null without any', () => {
    const s = initialTenantState('t1');
    const snaps = closeAt(s, feed(s, stream) + 3 * SUB);
    const first = snaps[0]!;
    assert.equal(first.windowEnd, T0 + SUB);
    // window [T0 - 2 SUB, T0 + SUB): the T0 - 2 SUB event is baseline now; history holds T0 - 4 SUB only
    assert.equal(first.baseline.requests, 2);
    assert.deepEqual(first.history?.metrics.latency_ms, { count: 1, sum: 100, sumSq: 10_000 });

    const fresh = initialTenantState('t1');
    const [only] = closeAt(
      fresh,
      feed(fresh, [tel(T0, 'canary', 'b-c'), tel(T0 + 1, 'stable', 'b-s')]) + 2 * SUB,
    );
    assert.equal(only!.history, null);
    assert.equal(only!.baseline.requests, 1);
  });

  test('no candidate traffic in the window, no snapshot', () => {
    const s = initialTenantState('t1');
    const stableOnly = Array.from({ length: 20 }, (_, i) => tel(T0 + i * 20_000, 'stable', 'b-s'));
    assert.deepEqual(closeAt(s, feed(s, stableOnly) + 10 * SUB), []);
    const evalsOnStable = initialTenantState('t1');
    assert.deepEqual(
      closeAt(evalsOnStable, feed(evalsOnStable, [evl(T0, 'stable', 'b-s', 1)]) + 10 * SUB),
      [],
    );
    assert.ok(
      isTenantStateIdle(s) && isTenantStateIdle(evalsOnStable),
      'closed stable-only state is dropped',
    );
  });

  test('several candidates: one snapshot each, ascending by windowEnd then candidate', () => {
    const s = initialTenantState('t1');
    const t = feed(s, [
      tel(T0, 'canary', 'b-z'),
      tel(T0 + 1, 'shadow', 'b-a'),
      tel(T0 + 2, 'stable', 'b-s'),
      tel(T0 + SUB, 'canary', 'b-z'),
    ]);
    const keys = closeAt(s, t + 10 * SUB).map(
      (x) => `${x.windowEnd - T0}:${x.candidateBundleId}:${x.candidateArm}`,
    );
    const order = [SUB, 2 * SUB, 3 * SUB].flatMap((end) => [`${end}:b-a:shadow`, `${end}:b-z:canary`]);
    assert.deepEqual(keys, [...order, `${4 * SUB}:b-z:canary`]);
  });

  test('without stable traffic the baseline comes from the evals, empty; eval events do not set the tier', () => {
    const s = initialTenantState('t1');
    const [snap] = closeAt(
      s,
      feed(s, [tel(T0, 'canary', 'b-c'), evl(T0 + 1, 'canary', 'b-c', 0.7)]) + 2 * SUB,
    );
    assert.equal(snap!.baselineBundleId, 'b-s');
    assert.equal(snap!.baseline.requests, 0);
    assert.equal(snap!.baseline.latencyP95, 0);
    assert.deepEqual(snap!.baseline.metrics, {});
    assert.equal(snap!.history, null);
    assert.equal(snap!.tenantTier, 'enterprise');
  });

  test('the baseline is the stable bundle with the latest traffic', () => {
    const s = initialTenantState('t1');
    const t = feed(s, [
      tel(T0, 'stable', 'b-old'),
      tel(T0 + SUB, 'stable', 'b-new'),
      tel(T0 + SUB, 'canary', 'b-c'),
    ]);
    const snaps = closeAt(s, t + 10 * SUB);
    assert.equal(snaps.length, 3);
    assert.deepEqual(
      snaps.map((x) => [x.baselineBundleId, x.baseline.requests]),
      snaps.map(() => ['b-new', 1]),
    );
  });
});

describe('bounded state', () => {
  test('buckets and ids stay bounded over six hours of traffic', () => {
    const s = initialTenantState('t1');
    let t = -Infinity;
    let maxBuckets = 0;
    for (let i = 0; i < 6 * 60 * 12; i++) {
      const ts = T0 + i * 5000;
      t = feed(
        s,
        [tel(ts, 'stable', 'b-s'), tel(ts + 1, 'canary', 'b-c'), evl(ts + 2, 'canary', 'b-c', 0.5)],
        t,
      );
      if (i % 12 === 0) closeAt(s, t);
      maxBuckets = Math.max(maxBuckets, ...s.series.map((x) => x.buckets.length));
      assert.ok(s.idWindows.length <= 3, `open id windows ${s.idWindows.length}`);
    }
    // window + history + the open sub-windows within the allowed lateness
    assert.ok(maxBuckets <= (P.windowMs + P.historyMs) / SUB + 3, `max buckets ${maxBuckets}`);
    closeAt(s, t + 100 * SUB);
    assert.ok(isTenantStateIdle(s), 'all buckets and ids dropped');
  });

  test('snapshots do not depend on how often closeWindows runs', () => {
    const events: TelemetryEvent[] = [];
    let x = 12345;
    const rand = (): number => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const ts = T0 + Math.floor(i * 900 - rand() * 200_000);
      const arm = rand() < 0.3 ? 'canary' : 'stable';
      events.push(tel(ts, arm, arm === 'stable' ? 'b-s' : 'b-c', { latencyMs: 50 + rand() * 500 }));
    }
    const strip = (xs: SignalSnapshot[]): unknown[] =>
      xs.map((y) => ({ ...y, lateDropped: 0, duplicatesDropped: 0 }));
    const eager = initialTenantState('t1');
    const lazy = initialTenantState('t1');
    const eagerOut: SignalSnapshot[] = [];
    let t = -Infinity;
    for (const e of events) {
      observeTelemetry(eager, e, t, P);
      t = advanceStreamTime(t, e.timestamp, P);
      eagerOut.push(...closeAt(eager, t));
    }
    const tLazy = feed(lazy, events);
    const lazyOut = closeAt(lazy, tLazy);
    eagerOut.push(...closeAt(eager, t + 100 * SUB));
    lazyOut.push(...closeAt(lazy, t + 100 * SUB));
    assert.ok(eager.lateDropped > 0, 'the stream has late events');
    assert.equal(eager.lateDropped, lazy.lateDropped);
    assert.ok(eagerOut.length > 20, `${eagerOut.length} snapshots`);
    assert.deepEqual(strip(lazyOut), strip(eagerOut));
  });
});

describe('parameters', () => {
  test('the defaults are valid and unusable sets are refused with a non-retriable error', () => {
    assert.equal(validateAggregationParams({ ...defaultAggregationParams }).windowMs, 900_000);
    for (const bad of [
      { windowMs: 90_000 },
      { subWindowMs: 0 },
      { historyMs: 30_000 },
      { piiFlagThreshold: 2 },
    ]) {
      assert.throws(
        () => validateAggregationParams({ ...defaultAggregationParams, ...bad }),
        (err: unknown) => err instanceof InvalidAggregationParamsError && !err.retriable,
      );
    }
  });
});
