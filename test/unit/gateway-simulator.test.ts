import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EvalEvent, RoutingCommand, TelemetryEvent } from '../../schemas/types.ts';
import type { GatewayEvent } from '../../services/gateway/telemetry-producer.ts';
import { parseSimArgs, simCommand } from '../../services/gateway/simulator/cli-options.ts';
import { acceleratedClock } from '../../services/gateway/simulator/clock.ts';
import { buildFleet, defaultTiers, tierCounts } from '../../services/gateway/simulator/fleet.ts';
import type { Regression } from '../../services/gateway/simulator/profiles.ts';
import { TrafficEngine, type RouteLookup } from '../../services/gateway/simulator/traffic-engine.ts';
import { WallClockIndex } from '../../services/gateway/simulator/wall-index.ts';
import { routingCommand } from './gateway-fixtures.ts';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

const routing = (
  tenantId: string,
  epoch: number,
  percent: number,
  arm: 'canary' | 'shadow' = 'canary',
): RoutingCommand => routingCommand({ tenantId, epoch, percent, arm: percent > 0 ? arm : null });

function engine(seed: number, tenants = 12, regressions: Regression[] = []): TrafficEngine {
  return new TrafficEngine({
    fleet: buildFleet({ tenants, seed }),
    seed,
    startMs: T0,
    runId: 'run',
    gatewayId: 'gw',
    defaultBundleId: 'b-stable',
    regressions,
  });
}

const everyone =
  (percent: number, arm: 'canary' | 'shadow' = 'canary'): RouteLookup =>
  (id) =>
    routing(id, 1, percent, arm);
const telemetryOf = (events: GatewayEvent[]): TelemetryEvent[] =>
  events.filter((e): e is TelemetryEvent => 'eventId' in e);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe('simulator fleet', () => {
  test('splits tenants over tiers by share, adding up exactly', () => {
    assert.deepEqual(tierCounts(30, defaultTiers), [
      ['enterprise', 6],
      ['pro', 9],
      ['free', 15],
    ]);
    assert.equal(
      tierCounts(7, defaultTiers).reduce((s, [, n]) => s + n, 0),
      7,
    );
  });

  test('the same seed gives the same fleet; another seed other rates', () => {
    assert.deepEqual(buildFleet({ tenants: 20, seed: 3 }), buildFleet({ tenants: 20, seed: 3 }));
    assert.notDeepEqual(
      buildFleet({ tenants: 20, seed: 3 }).map((t) => t.ratePerSec),
      buildFleet({ tenants: 20, seed: 4 }).map((t) => t.ratePerSec),
    );
    const ids = buildFleet({ tenants: 20, seed: 3 }).map((t) => t.tenantId);
    assert.deepEqual([ids[0], ids[19], new Set(ids).size], ['tenant-000', 'tenant-019', 20]);
  });
});

describe('TrafficEngine', () => {
  test('is deterministic: same seed and routing → the same events, however the time is sliced', () => {
    const whole = engine(42).advance(T0 + 5 * MIN, everyone(20));
    const sliced = engine(42);
    const parts: GatewayEvent[] = [];
    for (let t = T0; t < T0 + 5 * MIN; t += 1_234)
      parts.push(...sliced.advance(Math.min(t + 1_234, T0 + 5 * MIN), everyone(20)));
    assert.ok(whole.length > 1_000);
    assert.deepEqual(parts, whole);
    assert.notDeepEqual(
      engine(43).advance(T0 + MIN, everyone(20)),
      engine(42).advance(T0 + MIN, everyone(20)),
    );
  });

  test('emits events in event-time order within [start, until), with unique ids', () => {
    const events = engine(1).advance(T0 + 5 * MIN, everyone(10));
    const times = events.map((e) => e.timestamp);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.ok(times.every((t) => t >= T0 && t < T0 + 5 * MIN));
    const ids = events.map((e) => ('evalId' in e ? e.evalId : e.eventId));
    assert.equal(new Set(ids).size, ids.length);
  });

  test('request volume follows the tenants’ rates (Poisson, ±5 % over 20 minutes)', () => {
    const fleet = buildFleet({ tenants: 12, seed: 9 });
    const expected = fleet.reduce((s, t) => s + t.ratePerSec, 0) * 1_200;
    const e = engine(9);
    e.advance(T0 + 20 * MIN, () => undefined);
    const { requests } = e.stats();
    assert.ok(Math.abs(requests / expected - 1) < 0.05, `${requests} vs ${expected}`);
  });

  test('routing decides the served bundle: no routing → default, canary share → candidate, route-back → stable', () => {
    const e = engine(5);
    const before = telemetryOf(e.advance(T0 + MIN, () => undefined));
    assert.ok(before.every((t) => t.bundleId === 'b-stable' && t.arm === 'stable'));
    const canary = telemetryOf(e.advance(T0 + 31 * MIN, everyone(30)));
    const share = canary.filter((t) => t.arm === 'canary' && t.bundleId === 'b-cand').length / canary.length;
    assert.ok(Math.abs(share - 0.3) < 0.02, `canary share ${share}`);
    const back = telemetryOf(e.advance(T0 + 32 * MIN, everyone(0)));
    assert.ok(back.length > 0 && back.every((t) => t.bundleId === 'b-stable'));
    const traffic = e.tenantTraffic('tenant-000');
    assert.ok((traffic['b-cand'] ?? 0) > 0 && (traffic['b-stable'] ?? 0) > (traffic['b-cand'] ?? 0));
  });

  test('shadow: stable serves every request, mirrors go to the candidate with arm shadow', () => {
    const events = telemetryOf(engine(6).advance(T0 + 10 * MIN, everyone(50, 'shadow')));
    const served = events.filter((t) => t.arm !== 'shadow');
    const mirrors = events.filter((t) => t.arm === 'shadow');
    assert.ok(served.every((t) => t.bundleId === 'b-stable'));
    assert.ok(mirrors.every((t) => t.bundleId === 'b-cand' && t.eventId.endsWith('-shadow')));
    assert.ok(Math.abs(mirrors.length / served.length - 0.5) < 0.03);
  });

  test('an injected latency regression raises the candidate’s median latency ~1.6× from its onset only', () => {
    const onset = T0 + 15 * MIN;
    const e = engine(7, 12, [{ bundleId: 'b-cand', profile: 'latency', fromMs: onset }]);
    const events = telemetryOf(e.advance(T0 + 30 * MIN, everyone(50)));
    const ratio = (from: number, to: number): number => {
      const window = events.filter(
        (t) => t.timestamp >= from && t.timestamp < to && t.tenantTier === 'enterprise',
      );
      return (
        median(window.filter((t) => t.arm === 'canary').map((t) => t.latencyMs)) /
        median(window.filter((t) => t.arm === 'stable').map((t) => t.latencyMs))
      );
    };
    assert.ok(Math.abs(ratio(T0, onset) - 1) < 0.1, `before: ${ratio(T0, onset)}`);
    assert.ok(Math.abs(ratio(onset, T0 + 30 * MIN) - 1.6) < 0.16, `after: ${ratio(onset, T0 + 30 * MIN)}`);
  });

  test('a quality regression lowers the judge scores of the candidate; stable keeps its scores', () => {
    const e = engine(8, 12, [{ bundleId: 'b-cand', profile: 'quality' }]);
    const evals = e.advance(T0 + 20 * MIN, everyone(50)).filter((x): x is EvalEvent => 'evalId' in x);
    const mean = (arm: string): number => {
      const xs = evals.filter((v) => v.arm === arm).map((v) => v.judgeScore);
      return xs.reduce((s, x) => s + x, 0) / xs.length;
    };
    assert.ok(mean('stable') - mean('canary') > 0.2, `${mean('stable')} vs ${mean('canary')}`);
    assert.ok(
      evals.every((v) => v.baselineBundleId === 'b-stable' && v.judgeScore >= 0 && v.judgeScore <= 1),
    );
  });

  test('an error regression scoped to a tier leaves the other tiers alone', () => {
    const e = engine(10, 10, [{ bundleId: 'b-cand', profile: 'errors', tiers: ['free'] }]);
    const events = telemetryOf(e.advance(T0 + 20 * MIN, everyone(100)));
    const errorRate = (tier: string): number => {
      const xs = events.filter((t) => t.tenantTier === tier);
      return (
        xs.filter((t) => t.outcome === 'tool_call_failure' || t.outcome === 'json_parse_error').length /
        xs.length
      );
    };
    assert.ok(errorRate('free') > 0.1, `free ${errorRate('free')}`);
    assert.ok(errorRate('enterprise') < 0.01, `enterprise ${errorRate('enterprise')}`);
  });
});

describe('simulator clock and wall index', () => {
  test('accelerated time runs speed× the wall clock from its start', () => {
    let wall = 1_000;
    const clock = acceleratedClock({ speed: 60, startEpochMs: T0, wallNow: () => wall });
    wall += 15_000;
    assert.equal(clock.now(), T0 + 15 * MIN);
    const past = acceleratedClock({ speed: 60, wallNow: () => wall });
    assert.equal(
      past.startEpochMs,
      wall - 12 * 3_600_000,
      'default start keeps Kafka timestamps in the past',
    );
  });

  test('records first and last acknowledgement per event-time second and answers producedBy', () => {
    const index = new WallClockIndex(3);
    index.record([T0, T0 + 10, T0 + 1_500], 5_000);
    index.record([T0 + 20], 5_100);
    assert.deepEqual(index.at(T0 + 999), { first: 5_000, last: 5_100 });
    assert.equal(index.producedBy(T0 + 4_000), 5_000, 'latest second before, when none in that second');
    index.record([T0 + 2_000, T0 + 3_000], 6_000);
    assert.equal(index.size, 3);
    assert.equal(index.at(T0), undefined, 'oldest second forgotten beyond maxSeconds');
  });
});

describe('simulator CLI options', () => {
  test('parses flags with defaults', () => {
    const o = parseSimArgs([
      '--tenants',
      '50',
      '--speed',
      '60',
      '--regression',
      'latency',
      '--candidate',
      'b-x',
    ]);
    assert.deepEqual(
      [o.tenants, o.speed, o.seed, o.regression, o.candidate, o.follow],
      [50, 60, 42, 'latency', 'b-x', true],
    );
    assert.equal(parseSimArgs(['--no-follow']).follow, false);
  });

  test('refuses a bad value and a regression without a candidate', () => {
    const quiet = () =>
      simCommand()
        .exitOverride()
        .configureOutput({ writeErr: () => undefined });
    assert.throws(() => parseSimArgs(['--tenants', 'x'], quiet()), /integer/);
    assert.throws(() => parseSimArgs(['--regression', 'bogus'], quiet()), /one of/);
    assert.throws(() => parseSimArgs(['--regression', 'latency'], quiet()), /--candidate/);
  });
});
