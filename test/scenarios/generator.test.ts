import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateScenario, toJsonLine } from './generator.ts';
import { Prng } from './prng.ts';
import { baseScenario, MINUTE, type ScenarioSpec } from './scenario-spec.ts';
import { parseInputLine, type ReplayInput } from '../../services/detect/replay/parse-input-line.ts';

function small(seed: number, tweak?: (s: ScenarioSpec) => void): ScenarioSpec {
  const s = baseScenario('small', seed);
  s.durationMs = 30 * MINUTE;
  s.canary.startMs = 5 * MINUTE;
  s.tenants = s.tenants.slice(0, 12);
  tweak?.(s);
  return s;
}

const timeOf = (r: ReplayInput): number => (r.type === 'rollout' ? r.command.issuedAt : r.event.timestamp);

describe('scenario generator', () => {
  test('the same seed gives the same records; another seed does not', () => {
    const a = [...generateScenario(small(7))].map(toJsonLine);
    const b = [...generateScenario(small(7))].map(toJsonLine);
    const c = [...generateScenario(small(8))].map(toJsonLine);
    assert.ok(a.length > 1000);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('records are in event-time order, and every line is valid replay input', () => {
    let last = -Infinity;
    for (const r of generateScenario(small(9))) {
      assert.ok(timeOf(r) >= last, 'out of order without injected lateness');
      last = timeOf(r);
      assert.equal(parseInputLine(toJsonLine(r)).type, r.type);
    }
  });

  test('injected late events and duplicates are the only ones out of order', () => {
    const spec = small(10, (s) => {
      s.late = { rate: 0.05, minDelayMs: 60_000, maxDelayMs: 120_000 };
      s.duplicateRate = 0.05;
    });
    let last = -Infinity;
    let behind = 0;
    const ids = new Set<string>();
    let dups = 0;
    for (const r of generateScenario(spec)) {
      if (r.type !== 'telemetry') continue;
      if (r.event.timestamp < last) behind++;
      last = Math.max(last, r.event.timestamp);
      if (ids.has(r.event.eventId)) dups++;
      ids.add(r.event.eventId);
    }
    assert.ok(behind > 0 && dups > 0);
    assert.ok(Math.abs(dups / ids.size - 0.05) < 0.02, `duplicate share ${dups / ids.size}`);
  });

  test('the canary takes its share of requests from its start, on the candidate bundle', () => {
    const spec = small(11);
    let before = 0;
    let canary = 0;
    let after = 0;
    for (const r of generateScenario(spec)) {
      if (r.type !== 'telemetry') continue;
      const e = r.event;
      const t = e.timestamp - spec.startEpochMs;
      if (t < spec.canary.startMs) before += e.arm === 'canary' ? 1 : 0;
      else {
        after++;
        if (e.arm === 'canary') {
          canary++;
          assert.equal(e.bundleId, spec.canary.candidateBundleId);
        }
      }
    }
    assert.equal(before, 0);
    assert.ok(Math.abs(canary / after - 0.25) < 0.02, `canary share ${canary / after}`);
  });

  test('the PRNG is uniform enough and its normal has mean 0 and sd 1', () => {
    const rng = new Prng(1);
    const n = 50_000;
    let sum = 0;
    let sumSq = 0;
    let below = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      if (rng.next() < 0.3) below++;
    }
    assert.ok(Math.abs(sum / n) < 0.02);
    assert.ok(Math.abs(Math.sqrt(sumSq / n) - 1) < 0.02);
    assert.ok(Math.abs(below / n - 0.3) < 0.01);
  });
});
