import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultPolicy, parsePolicy, PolicyError } from '../../services/detect/policy/index.ts';
import { aggregationParamsOf } from '../../services/detect/replay/detect-stages.ts';
import { DEMO_POLICY_PATH, demoPolicy } from './signals-fixtures.ts';

test('policies/demo.yaml is a valid policy with the demo windows', () => {
  const demo = demoPolicy();
  assert.deepEqual(demo.windows, {
    subWindowMs: 5_000,
    windowMs: 60_000,
    allowedLatenessMs: 2_000,
    historyMs: 300_000,
    piiFlagThreshold: 0.5,
  });
  assert.deepEqual(Object.keys(demo.tiers).sort(), ['enterprise', 'free', 'pro']);
  for (const tier of Object.values(demo.tiers)) {
    assert.ok(tier.latency.act.windowMs <= 120_000, 'latency rules look back minutes, not a quarter hour');
    assert.ok(tier.minSamples.candidate < defaultPolicy().tiers.free!.minSamples.candidate + 10);
  }
  const params = aggregationParamsOf(demo);
  assert.equal(params.windowMs / params.subWindowMs, 12);
});

test('the demo policy keeps the default policy’s thresholds: only windows and sample sizes differ', () => {
  const demo = demoPolicy();
  const base = defaultPolicy();
  assert.deepEqual(demo.statistics, base.statistics);
  assert.deepEqual(demo.composite, base.composite);
  assert.deepEqual(demo.breadth, base.breadth);
  for (const [name, tier] of Object.entries(demo.tiers)) {
    const b = base.tiers[name]!;
    assert.deepEqual(
      { ...tier, minSamples: null, latency: null },
      { ...b, minSamples: null, latency: null },
      name,
    );
    assert.equal(tier.latency.act.p95Ratio, b.latency.act.p95Ratio);
    assert.equal(tier.latency.flag.p95Ratio, b.latency.flag.p95Ratio);
  }
});

test('a demo policy with a window that is not a multiple of the sub-window is refused with its line', () => {
  const text = readFileSync(DEMO_POLICY_PATH, 'utf8').replace('windowMs: 60000', 'windowMs: 61000');
  assert.throws(
    () => parsePolicy(text, 'demo.yaml'),
    (e: unknown) => e instanceof PolicyError && /windows\.windowMs/.test(e.message),
  );
});
