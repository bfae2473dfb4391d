import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AlertScore } from '../../schemas/types.ts';
import { ALERT_FIELDS, METRICS } from '../../services/detect/decide/index.ts';
import { defaultPolicy } from '../../services/detect/policy/index.ts';
import { METRIC_NAMES } from '../../services/detect/aggregate/metrics.ts';
import { healthy, run, T0 } from './decide-fixtures.ts';

const last = (scores: AlertScore[], tenant: string) => scores.filter((s) => s.tenantId === tenant).at(-1)!;

describe('baseline choice', () => {
  test('concurrent stable first, then the tier pool, then own history, else insufficient data', () => {
    const tenants = { a: 'enterprise', b: 'pro', c: 'pro', d: 'pro', e: 'free', f: 'solo' };
    const r = run(tenants, 3, (id) => {
      if (id === 'b') return { cand: { n: 300 }, base: { n: 2 }, hist: { n: 5000 } };
      if (id === 'e') return { cand: { n: 300 }, base: { n: 0 }, hist: { n: 5000 } };
      if (id === 'f') return { cand: { n: 300 }, base: { n: 0 }, hist: null };
      return healthy;
    });
    assert.equal(last(r.scores, 'a').baselineSource, 'concurrent');
    assert.equal(last(r.scores, 'b').baselineSource, 'tier_pooled');
    assert.ok(last(r.scores, 'b').evidence.every((e) => e.baselineSource === 'tier_pooled'));
    assert.equal(last(r.scores, 'e').baselineSource, 'own_history');
    assert.equal(last(r.scores, 'f').verdict, 'insufficient_data');
    for (const id of ['a', 'b', 'e']) assert.equal(last(r.scores, id).verdict, 'ok', id);
    assert.deepEqual(r.decisions, []);
  });

  test('a tenant below the candidate minimum over its longest span is insufficient_data whatever its baseline', () => {
    const r = run({ a: 'enterprise' }, 6, () => ({ cand: { n: 9 }, base: { n: 900 }, hist: { n: 5000 } }));
    assert.equal(last(r.scores, 'a').verdict, 'insufficient_data');
  });
});

describe('shared-regression guard', () => {
  test("a tenant's own outage on both arms is a shared regression, not the candidate's fault", () => {
    const outage = { rates: { error_rate: 0.3, err_timeout: 0.3 } };
    const r = run({ a: 'enterprise', b: 'enterprise' }, 20, (id, m) =>
      id === 'a' && m > 5
        ? { cand: { n: 300, ...outage }, base: { n: 900, ...outage }, hist: { n: 5000 } }
        : healthy,
    );
    assert.equal(last(r.scores, 'a').verdict, 'shared_regression');
    assert.deepEqual(r.decisions, []);
  });

  test('own history is guarded: a platform-wide slowdown on stable traffic is shared', () => {
    const slow = (m: number) => (m > 3 ? 2000 : 1000);
    const r = run({ x: 'pro', e1: 'enterprise', e2: 'enterprise' }, 20, (id, m) =>
      id === 'x'
        ? { cand: { n: 300, median: slow(m) }, base: { n: 0 }, hist: { n: 5000 } }
        : { cand: { n: 300, median: slow(m) }, base: { n: 900, median: slow(m) }, hist: { n: 5000 } },
    );
    const x = last(r.scores, 'x');
    assert.equal(x.baselineSource, 'own_history');
    assert.equal(x.verdict, 'shared_regression');
    assert.deepEqual(r.decisions, []);
  });

  test('own history without a shared cause acts; with no reference at all it only asks for approval', () => {
    const guarded = run({ x: 'pro', e1: 'enterprise', e2: 'enterprise' }, 20, (id, m) =>
      id === 'x'
        ? { cand: { n: 300, median: m > 3 ? 2000 : 1000 }, base: { n: 0 }, hist: { n: 5000 } }
        : healthy,
    );
    assert.equal(last(guarded.scores, 'x').verdict, 'degraded');
    assert.ok(
      guarded.decisions.some(
        (d) => d.action === 'route_back' && d.mode === 'automatic' && d.tenantIds.includes('x'),
      ),
    );

    const alone = run({ x: 'pro' }, 20, (_id, m) => ({
      cand: { n: 300, median: m > 3 ? 2000 : 1000 },
      base: { n: 0 },
      hist: { n: 5000 },
    }));
    assert.equal(last(alone.scores, 'x').verdict, 'degraded');
    const routes = alone.decisions.filter((d) => d.action === 'route_back');
    assert.ok(routes.length > 0 && routes.every((d) => d.mode === 'needs_approval'));
  });

  test("the tier pool is guarded by the tenant's own (small) stable traffic", () => {
    const outage = { rates: { error_rate: 0.4 } };
    const r = run({ y: 'pro', p1: 'pro', p2: 'pro' }, 30, (id, m) =>
      id === 'y' && m > 12
        ? { cand: { n: 300, ...outage }, base: { n: 5, ...outage }, hist: { n: 5000 } }
        : id === 'y'
          ? { cand: { n: 300 }, base: { n: 5 }, hist: { n: 5000 } }
          : healthy,
    );
    const y = last(r.scores, 'y');
    assert.equal(y.baselineSource, 'tier_pooled');
    assert.equal(y.verdict, 'shared_regression');
    assert.deepEqual(r.decisions, []);
  });
});

describe('ALERT score', () => {
  test('a clear regression scores its component and names the evidence', () => {
    const r = run({ a: 'enterprise' }, 12, (_id, m) =>
      m > 2
        ? { cand: { n: 300, rates: { error_rate: 0.12 } }, base: { n: 900 }, hist: { n: 5000 } }
        : healthy,
    );
    const s = last(r.scores, 'a');
    assert.equal(s.verdict, 'degraded');
    assert.equal(s.errors, 1);
    assert.equal(s.latency, 0);
    const e = s.evidence.find((x) => x.metric === 'error_rate')!;
    assert.equal(e.statisticKind, 'two-proportion-z');
    assert.equal(e.tenantId, 'a');
    assert.ok(e.candidate > 0.1 && e.baseline < 0.02 && e.statistic > 5);
    assert.equal(s.scoreId, `r1/a/${T0 + 12 * 60_000}`);
    const atTen = r.scores.find((x) => x.windowEnd === T0 + 10 * 60_000)!;
    assert.ok(atTen.anomaly > 0, 'the CUSUM of the error-rate contrast alarms on the disjoint window');
    assert.ok(
      atTen.evidence.some((e) => e.metric === 'error_rate' && e.statisticKind === 'cusum' && e.statistic > 5),
    );
  });

  test('the metric catalog covers exactly what stage 1 emits', () => {
    assert.deepEqual(METRICS.map((m) => m.name).sort(), [...METRIC_NAMES].sort());
  });

  const armSpec = fc.record({
    n: fc.integer({ min: 0, max: 400 }),
    median: fc.double({ min: 50, max: 8000, noNaN: true }),
    sigma: fc.double({ min: 0.05, max: 1.5, noNaN: true }),
    rates: fc.record({
      error_rate: fc.double({ min: 0, max: 1, noNaN: true }),
      refusal_rate: fc.double({ min: 0, max: 1, noNaN: true }),
      pii_rate: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    means: fc.record({
      cost_usd: fc.tuple(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
      ),
      judge_score: fc.tuple(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
      ),
    }),
  });

  test('property: every component and the composite stay in [0, 1]', () => {
    const policy = defaultPolicy();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(armSpec, armSpec, fc.option(armSpec, { nil: null })), {
          minLength: 1,
          maxLength: 6,
        }),
        (windows) => {
          const r = run(
            { a: 'enterprise', b: 'free' },
            windows.length,
            (_id, m) => {
              const [cand, base, hist] = windows[m - 1]!;
              return { cand, base, hist };
            },
            policy,
          );
          for (const s of r.scores) {
            for (const k of ALERT_FIELDS) {
              assert.ok(s[k] >= 0 && s[k] <= 1, `${k}=${s[k]}`);
            }
            const w = policy.tiers[s.tenantTier]!.weights;
            const total = w.A + w.L + w.E + w.R + w.T + w.cost + w.safety;
            const expected =
              (w.A * s.anomaly +
                w.L * s.latency +
                w.E * s.errors +
                w.R * s.regression +
                w.T * s.breadth +
                w.cost * s.cost +
                w.safety * s.safety) /
              total;
            assert.ok(Math.abs(s.composite - expected) < 1e-12);
            for (const e of s.evidence)
              for (const v of [e.candidate, e.baseline, e.statistic]) assert.ok(Number.isFinite(v));
          }
          for (const d of r.decisions)
            assert.ok(d.compositeScore >= 0 && d.compositeScore <= 1 && d.breadth >= 0 && d.breadth <= 1);
        },
      ),
      { numRuns: 40 },
    );
  });
});
