import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { RollbackDecision } from '../../schemas/types.ts';
import {
  assessSnapshot,
  decodeRolloutState,
  encodeRolloutState,
  finalizeWindow,
  initialRolloutState,
  observeRolloutCommand,
} from '../../services/detect/decide/index.ts';
import { defaultPolicy } from '../../services/detect/policy/index.ts';
import { healthy, run, snap, T0, type Run, type Traffic } from './decide-fixtures.ts';

const slow = (factor: number): Traffic => ({
  cand: { n: 300, median: 1000 * factor },
  base: { n: 900 },
  hist: { n: 5000 },
});
const routeBacks = (r: Run) => r.decisions.filter((d) => d.action === 'route_back');
const bigFleet = (n: number, tier = 'enterprise') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${tier}-${i}`, tier]));

describe('escalation', () => {
  test('a clear p95 breach routes the tenant back automatically, on event time', () => {
    const r = run(bigFleet(6), 20, (id, m) => (id === 'enterprise-0' && m > 5 ? slow(1.8) : healthy));
    const [d, ...rest] = r.decisions;
    assert.equal(rest.length, 0, JSON.stringify(rest.map((x) => [x.action, x.tenantIds])));
    assert.equal(d!.action, 'route_back');
    assert.equal(d!.mode, 'automatic');
    assert.deepEqual(d!.tenantIds, ['enterprise-0']);
    assert.deepEqual(d!.tiers, ['enterprise']);
    assert.equal(d!.approvalTimeoutMs, null);
    assert.equal(d!.onApprovalTimeout, null);
    assert.equal(d!.dryRun, false);
    assert.equal(d!.candidateBundleId, 'b-cand');
    assert.equal(d!.baselineBundleId, 'b-base');
    const minute = (d!.decidedAt - T0) / 60_000;
    assert.ok(minute > 5 && minute <= 15, `decided at minute ${minute}`);
    assert.match(
      d!.reasons[0]!,
      /^enterprise-0 \(enterprise\): p95 latency \+\d+ % vs concurrent stable \(\d+ ms vs \d+ ms, z=[\d.]+, n=\d+\/\d+, 10 min\)$/,
    );
    assert.ok(
      d!.evidence.some((e) => e.metric === 'latency_p95' && e.statisticKind === 'ratio' && e.statistic > 1.5),
    );
  });

  test('the ambiguous band (+35 % p95) asks for approval with the policy timeout', () => {
    const policy = defaultPolicy();
    const r = run(
      bigFleet(6),
      25,
      (id, m) => (id === 'enterprise-0' && m > 3 ? slow(1.35) : healthy),
      policy,
    );
    const routes = routeBacks(r);
    assert.equal(routes.length, 1);
    assert.equal(routes[0]!.mode, 'needs_approval');
    assert.equal(routes[0]!.approvalTimeoutMs, policy.approval.timeoutMs);
    assert.equal(routes[0]!.onApprovalTimeout, policy.approval.onTimeout);
    assert.match(routes[0]!.reasons[0]!, /15 min\)$/);
  });

  test('hysteresis: one degraded snapshot is not enough; recovery takes recoverWindows clean ones', () => {
    const blip = run(bigFleet(6), 20, (id, m) =>
      id === 'enterprise-0' && m === 5
        ? { ...healthy, cand: { n: 300, rates: { error_rate: 0.3 } } }
        : healthy,
    );
    assert.ok(blip.scores.some((s) => s.tenantId === 'enterprise-0' && s.verdict === 'degraded'));
    assert.deepEqual(blip.decisions, []);

    const errors = { ...healthy, cand: { n: 300, rates: { error_rate: 0.3 } } };
    const r = run(bigFleet(6), 40, (id, m) => (id === 'enterprise-0' && m <= 4 ? errors : healthy));
    const verdicts = r.scores.filter((s) => s.tenantId === 'enterprise-0').map((s) => s.verdict);
    let lastBad = -1;
    verdicts.forEach((v, i) => {
      if (v !== 'ok') lastBad = i;
    });
    const firstOk = lastBad + 2;
    assert.ok(firstOk >= 5);
    const state = initialRolloutState('r1');
    const policy = defaultPolicy();
    for (let m = 1; m <= 40; m++) {
      for (const id of Object.keys(bigFleet(6)))
        assessSnapshot(
          state,
          snap(id, 'enterprise', m, id === 'enterprise-0' && m <= 4 ? errors : healthy),
          policy,
        );
      const held = state.tenants['enterprise-0']!.confirmed;
      if (m >= 2 && m < firstOk + 4) assert.equal(held, 'act', `minute ${m}: held until 5 clean windows`);
      if (m >= firstOk + 4) assert.equal(held, 'none', `minute ${m}: recovered`);
    }
  });

  test('no decision twice; a routed-back tenant is not re-decided; approval upgrades to automatic once', () => {
    const r = run(bigFleet(6), 40, (id, m) =>
      id === 'enterprise-0' ? (m > 3 && m <= 18 ? slow(1.38) : m > 18 ? slow(2) : healthy) : healthy,
    );
    const routes = routeBacks(r);
    assert.deepEqual(
      routes.map((d) => d.mode),
      ['needs_approval', 'automatic'],
    );
    const ids = r.decisions.map((d) => d.decisionId);
    assert.equal(new Set(ids).size, ids.length);
    const keys = r.decisions.map((d) => `${d.action}/${d.mode}/${d.tenantIds.join(',')}`);
    assert.equal(new Set(keys).size, keys.length);
  });

  test('a tenant with 11 requests (in its longest span) never triggers anything, however bad', () => {
    const awful = (m: number): Traffic => ({
      cand: { n: m % 3 === 0 ? 3 : 4, median: 9000, rates: { error_rate: 1, pii_rate: 1 } },
      base: { n: 40 },
      hist: { n: 2000 },
    });
    const r = run({ ...bigFleet(4), tiny: 'free' }, 40, (id, m) => (id === 'tiny' ? awful(m) : healthy));
    assert.ok(r.scores.filter((s) => s.tenantId === 'tiny').every((s) => s.verdict === 'insufficient_data'));
    assert.deepEqual(r.decisions, []);
  });

  test('one noisy tenant: its own regression routes it back, nothing rollout-wide', () => {
    const tenants = { ...bigFleet(5), ...bigFleet(10, 'pro') };
    const r = run(tenants, 40, (id, m) =>
      id === 'pro-3' && m > 3
        ? { ...healthy, cand: { n: 300, median: 4000, rates: { error_rate: 0.5 } } }
        : healthy,
    );
    assert.deepEqual(
      r.decisions.map((d) => d.action),
      ['route_back'],
    );
    assert.deepEqual(r.decisions[0]!.tenantIds, ['pro-3']);
    const noisyBothArms = run(tenants, 40, (id, m) =>
      id === 'pro-3' && m > 3
        ? {
            cand: { n: 300, median: 4000, sigma: 1.5, rates: { error_rate: 0.5 } },
            base: { n: 900, median: 4000, sigma: 1.5, rates: { error_rate: 0.5 } },
            hist: { n: 5000 },
          }
        : healthy,
    );
    assert.deepEqual(noisyBothArms.decisions, []);
  });

  test('a regression visible only through breadth (many small tenants, each under the minimum) halts', () => {
    const small = (tier: string, n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${tier}-s${i}`, tier]));
    const tenants = { ...bigFleet(2), ...small('free', 24), ...small('pro', 16) };
    const bad: Traffic = {
      cand: { n: 6, median: 1800, rates: { error_rate: 0.5 } },
      base: { n: 18 },
      hist: { n: 400 },
    };
    const r = run(tenants, 30, (id, m) =>
      id.includes('-s') ? (m > 5 ? bad : { cand: { n: 6 }, base: { n: 18 }, hist: { n: 400 } }) : healthy,
    );
    assert.ok(
      r.scores.filter((s) => s.tenantId.includes('-s')).every((s) => s.verdict === 'insufficient_data'),
    );
    const halt = r.decisions.find((d) => d.action === 'halt_rollout' && d.mode === 'automatic');
    assert.ok(halt, JSON.stringify(r.decisions.map((d) => [d.action, d.mode, d.tenantIds.length])));
    assert.ok((halt.decidedAt - T0) / 60_000 <= 5 + 10, 'within 10 min of onset');
    assert.deepEqual(routeBacks(r), [], 'tenants too small to judge alone are not routed back one by one');
    assert.ok(r.decisions.some((d) => d.action === 'pause_onboarding'));
    assert.ok(halt.breadth >= defaultPolicy().breadth.haltRollout.share);
    assert.ok(halt.reasons.some((x) => x.includes('tenants pooled')));
    assert.ok(halt.evidence.some((e) => e.tenantId === null));
  });

  test('breadth confined to one tier: route back that tier, the halt only asks for approval', () => {
    const tenants = { ...bigFleet(4), ...bigFleet(8, 'pro') };
    const r = run(tenants, 30, (id, m) => (id.startsWith('pro') && m > 3 ? slow(1.9) : healthy));
    const halts = r.decisions.filter((d) => d.action === 'halt_rollout');
    assert.ok(halts.length > 0 && halts.every((d) => d.mode === 'needs_approval'));
    const routed = new Set(
      routeBacks(r)
        .filter((d) => d.mode === 'automatic')
        .flatMap((d) => d.tenantIds),
    );
    assert.deepEqual([...routed].sort(), Object.keys(bigFleet(8, 'pro')).sort());
    assert.ok(r.decisions.some((d) => d.action === 'pause_onboarding' && d.mode === 'automatic'));
  });
});

describe('rollout lifecycle and modes', () => {
  const bad = (id: string, m: number) => (id === 'enterprise-0' && m > 3 ? slow(2) : healthy);

  test('observe mode emits the same decisions as dry runs', () => {
    const policy = defaultPolicy();
    policy.mode = 'observe';
    const observed = run(bigFleet(6), 20, bad, policy);
    const enforced = run(bigFleet(6), 20, bad);
    assert.ok(observed.decisions.length > 0 && observed.decisions.every((d) => d.dryRun));
    assert.deepEqual(
      observed.decisions.map((d) => ({ ...d, dryRun: false })),
      enforced.decisions,
    );
  });

  test('a paused rollout decides nothing until resumed; abort ends it', () => {
    const policy = defaultPolicy();
    const state = initialRolloutState('r1');
    const cmd = (action: 'start' | 'pause' | 'resume' | 'abort') => ({
      commandId: action,
      rolloutId: 'r1',
      action,
      strategy: action === 'start' ? ('canary' as const) : null,
      candidateBundleId: action === 'start' ? 'b-c2' : null,
      baselineBundleId: action === 'start' ? 'b-b2' : null,
      tenants:
        action === 'start'
          ? [
              ...Object.keys(bigFleet(6)).map((tenantId) => ({ tenantId, tenantTier: 'enterprise' })),
              { tenantId: 'late', tenantTier: 'pro' },
            ]
          : [],
      canaryPercent: 25,
      actor: 'ops',
      reason: '',
      issuedAt: 0,
    });
    observeRolloutCommand(state, cmd('start'));
    assert.equal(
      Object.keys(state.tenants).length,
      7,
      'the breadth denominator includes tenants not seen yet',
    );
    observeRolloutCommand(state, cmd('pause'));
    const out: RollbackDecision[] = [];
    const feed = (from: number, to: number) => {
      for (let m = from; m <= to; m++)
        for (const id of Object.keys(bigFleet(6)))
          out.push(...assessSnapshot(state, snap(id, 'enterprise', m, bad(id, m)), policy).decisions);
    };
    feed(1, 15);
    assert.equal(out.length, 0);
    observeRolloutCommand(state, cmd('resume'));
    feed(16, 17);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.candidateBundleId, 'b-c2');
    observeRolloutCommand(state, cmd('abort'));
    observeRolloutCommand(state, cmd('resume'));
    assert.equal(state.status, 'ended');
  });

  test('deterministic: same inputs, same outputs; decisionId is the sha256 of rollout/action/tenants/window', () => {
    const a = run(bigFleet(6), 20, bad);
    const b = run(bigFleet(6), 20, bad);
    assert.deepEqual(a.decisions, b.decisions);
    assert.deepEqual(a.scores, b.scores);
    assert.deepEqual(finalizeWindow(a.state, defaultPolicy()), [], 'a closed window is not decided again');
    const d = a.decisions[0]!;
    const key = `r1/${d.action}/${[...d.tenantIds].sort().join(',')}/${d.decidedAt}`;
    assert.equal(d.decisionId, createHash('sha256').update(key).digest('hex').slice(0, 32));
  });

  test('property: the state round-trips exactly, and a decoded state continues identically', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 5 }),
        fc.double({ min: 1, max: 2.5, noNaN: true }),
        (cut, onset, factor) => {
          const policy = defaultPolicy();
          const traffic = (id: string, m: number) =>
            id === 'enterprise-1' && m > onset ? slow(factor) : healthy;
          const tenants = Object.keys(bigFleet(3));
          const state = initialRolloutState('r1');
          for (let m = 1; m <= cut; m++)
            for (const id of tenants)
              assessSnapshot(state, snap(id, 'enterprise', m, traffic(id, m)), policy);
          const copy = decodeRolloutState(encodeRolloutState(state));
          // stored arms are live (decoded) objects whose JSON is the plain arm a decoded state holds
          assert.deepEqual(copy, JSON.parse(JSON.stringify(state)));
          for (let m = cut + 1; m <= cut + 6; m++) {
            for (const id of tenants) {
              const s = snap(id, 'enterprise', m, traffic(id, m));
              assert.deepEqual(assessSnapshot(copy, s, policy), assessSnapshot(state, s, policy));
            }
          }
          assert.deepEqual(encodeRolloutState(copy), encodeRolloutState(state));
        },
      ),
      { numRuns: 15 },
    );
  });

  test('a duplicate or late snapshot is scored but advances nothing', () => {
    const policy = defaultPolicy();
    const state = initialRolloutState('r1');
    for (let m = 1; m <= 6; m++) assessSnapshot(state, snap('a', 'enterprise', m, healthy), policy);
    const before = encodeRolloutState(state).toString();
    const again = assessSnapshot(state, snap('a', 'enterprise', 6, healthy), policy);
    assert.equal(again.scores.length, 1);
    assert.deepEqual(again.decisions, []);
    assert.equal(encodeRolloutState(state).toString(), before);
    assert.deepEqual(
      assessSnapshot(state, { ...snap('a', 'enterprise', 7, healthy), rolloutId: 'other' }, policy),
      { scores: [], decisions: [] },
    );
  });
});
