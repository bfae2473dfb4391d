import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Arm, EvalEvent, Outcome, SignalSnapshot, TelemetryEvent } from '../../schemas/types.ts';
import {
  type AggregationParams,
  type ObserveVerdict,
  type TenantState,
  TenantStateDecodeError,
  advanceStreamTime,
  closeWindows,
  decodeTenantState,
  encodeTenantState,
  initialTenantState,
  observeEval,
  observeTelemetry,
} from '../../services/detect/aggregate/index.ts';

const SUB = 60_000;
const T0 = 28_333_334 * SUB;
const P: AggregationParams = {
  subWindowMs: SUB,
  windowMs: 4 * SUB,
  allowedLatenessMs: 20_000,
  historyMs: 6 * SUB,
  maxFutureMs: 30 * SUB,
  piiFlagThreshold: 0.5,
  maxTrackedIdsPerTenant: 3,
};
const rid = (c: string, b: string): string => `${c}>${b}`;
const OUTCOMES: Outcome[] = ['ok', 'ok', 'ok', 'timeout', 'tool_call_failure', 'policy_block'];

const step = fc.record({
  advanceMs: fc.integer({ min: 0, max: 20_000 }),
  backMs: fc.integer({ min: 0, max: 150_000 }),
  isEval: fc.boolean(),
  arm: fc.constantFrom<Arm>('stable', 'stable', 'canary', 'shadow'),
  bundle: fc.integer({ min: 0, max: 2 }),
  latencyMs: fc.oneof(fc.constant(0), fc.double({ min: 0.1, max: 30_000, noNaN: true })),
  outcome: fc.constantFrom(...OUTCOMES),
  score: fc.double({ min: 0, max: 1, noNaN: true }),
  repeat: fc.boolean(),
  close: fc.boolean(),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function toEvents(steps: readonly Step[]): (TelemetryEvent | EvalEvent)[] {
  let clock = T0;
  const out: (TelemetryEvent | EvalEvent)[] = [];
  steps.forEach((st, i) => {
    clock += st.advanceMs;
    if (st.repeat && out.length > 0) {
      out.push(out[out.length - 1]!);
      return;
    }
    const timestamp = clock - st.backMs;
    const bundleId = st.arm === 'stable' ? `b-s${st.bundle}` : `b-c${st.bundle}`;
    if (st.isEval) {
      out.push({
        evalId: `v${i}`,
        timestamp,
        tenantId: 't',
        requestEventId: `e${i - 1}`,
        bundleId,
        baselineBundleId: 'b-s0',
        arm: st.arm,
        judgeScore: st.score,
        semanticSimilarity: st.score > 0.5 ? st.score : null,
        evaluator: 'j',
      });
      return;
    }
    out.push({
      eventId: `e${i}`,
      timestamp,
      tenantId: 't',
      tenantTier: 'pro',
      gatewayId: 'g',
      sessionId: null,
      bundleId,
      arm: st.arm,
      latencyMs: st.latencyMs,
      timeToFirstTokenMs: st.latencyMs / 4,
      inputTokens: i % 97,
      outputTokens: i % 13,
      costUsd: st.score / 100,
      outcome: st.outcome,
      toolCallsAttempted: i % 3,
      toolCallsSucceeded: i % 2,
      outputChars: i,
      refusal: st.score < 0.1,
      retried: st.score > 0.9,
      feedback: st.score < 0.3 ? 'down' : 'none',
      taskCompleted: st.score > 0.7 ? true : null,
      policyViolation: false,
      piiScore: st.score,
      toxicity: st.score / 2,
    });
  });
  return out;
}

/** Runs events[from..to) through `s`, closing where the step says so; returns verdicts and snapshots. */
function run(
  s: TenantState,
  events: readonly (TelemetryEvent | EvalEvent)[],
  steps: readonly Step[],
  from: number,
  to: number,
  streamTime: number,
) {
  const verdicts: ObserveVerdict[] = [];
  const snapshots: SignalSnapshot[] = [];
  for (let i = from; i < to; i++) {
    const e = events[i]!;
    verdicts.push('eventId' in e ? observeTelemetry(s, e, streamTime, P) : observeEval(s, e, streamTime, P));
    streamTime = advanceStreamTime(streamTime, e.timestamp, P);
    if (steps[i]!.close) snapshots.push(...closeWindows(s, streamTime, P, rid));
  }
  return { verdicts, snapshots, streamTime };
}

describe('tenant state codec', () => {
  test('a restored state behaves exactly like the original (verdicts, snapshot bytes, later encodings)', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (steps, cutAt) => {
          const events = toEvents(steps);
          const cut = Math.floor(cutAt * events.length);
          const original = initialTenantState('t');
          const head = run(original, events, steps, 0, cut, -Infinity);
          const bytes = encodeTenantState(original);
          const restored = decodeTenantState(bytes);
          assert.deepEqual(encodeTenantState(restored), bytes);
          const a = run(original, events, steps, cut, events.length, head.streamTime);
          const b = run(restored, events, steps, cut, events.length, head.streamTime);
          const end = a.streamTime + 50 * SUB;
          a.snapshots.push(...closeWindows(original, end, P, rid));
          b.snapshots.push(...closeWindows(restored, end, P, rid));
          assert.deepEqual(b.verdicts, a.verdicts);
          assert.deepEqual(b.snapshots, a.snapshots);
          assert.deepEqual(encodeTenantState(restored), encodeTenantState(original));
        },
      ),
      { seed: 424_242, numRuns: 150 },
    );
  });

  test('the seeded streams exercise every path the codec must carry', () => {
    const steps = fc.sample(fc.array(step, { minLength: 300, maxLength: 300 }), { seed: 1, numRuns: 1 })[0]!;
    const s = initialTenantState('t');
    const { verdicts, snapshots } = run(s, toEvents(steps), steps, 0, steps.length, -Infinity);
    for (const v of ['accepted', 'duplicate', 'late'] as const)
      assert.ok(verdicts.includes(v), `no ${v} verdict`);
    assert.ok(
      snapshots.some((x) => x.history !== null),
      'no snapshot with history',
    );
    assert.ok(s.untrackedIds > 0, 'id cap never reached');
    assert.ok(s.series.length > 1 && s.idWindows.length > 0, 'state is trivial');
  });

  test('bytes that are not a tenant state raise a non-retriable TenantStateDecodeError', () => {
    const s = initialTenantState('t');
    observeTelemetry(
      s,
      toEvents([
        {
          advanceMs: 0,
          backMs: 0,
          isEval: false,
          arm: 'canary',
          bundle: 0,
          latencyMs: 5,
          outcome: 'ok',
          score: 0.5,
          repeat: false,
          close: false,
        },
      ])[0] as TelemetryEvent,
      T0,
      P,
    );
    const bytes = encodeTenantState(s);
    const bad = [
      bytes.subarray(0, bytes.length - 3),
      Buffer.concat([bytes, Buffer.from([0])]),
      Buffer.from([9, ...bytes.subarray(1)]),
      Buffer.from([1, 0xff, 0xff, 0xff, 0x7f]),
    ];
    for (const b of bad) {
      assert.throws(
        () => decodeTenantState(b),
        (err: unknown) => err instanceof TenantStateDecodeError && !err.retriable,
      );
    }
  });
});
