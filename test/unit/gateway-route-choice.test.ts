import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CandidateArm, RoutingCommand } from '../../schemas/types.ts';
import { chooseRoute } from '../../services/gateway/route-choice.ts';
import { formatRoutingChange } from '../../services/gateway/routing-timeline.ts';
import { Prng } from '../../services/gateway/simulator/prng.ts';
import { routingCommand } from './gateway-fixtures.ts';

const route = (
  candidatePercent: number,
  arm: CandidateArm | null = 'canary',
  withCandidate = true,
): RoutingCommand => routingCommand({ percent: candidatePercent, arm, withCandidate });

function share(r: RoutingCommand, n: number, seed: number) {
  const rng = new Prng(seed);
  let canary = 0;
  let mirrored = 0;
  for (let i = 0; i < n; i++) {
    const c = chooseRoute(r, rng.next());
    if (c.arm === 'canary') canary++;
    if (c.mirror !== undefined) mirrored++;
  }
  return { canary: canary / n, mirrored: mirrored / n };
}

describe('chooseRoute', () => {
  test('serves the canary to candidatePercent of requests (seeded draws, ±1 %)', () => {
    for (const pct of [1, 10, 25, 50, 90]) {
      const { canary, mirrored } = share(route(pct), 100_000, pct);
      assert.ok(Math.abs(canary - pct / 100) < 0.01, `${pct} %: got ${canary}`);
      assert.equal(mirrored, 0);
    }
  });

  test('shadow: stable always serves, the candidate gets a mirror of candidatePercent of requests', () => {
    const r = route(30, 'shadow');
    const { canary, mirrored } = share(r, 100_000, 7);
    assert.equal(canary, 0);
    assert.ok(Math.abs(mirrored - 0.3) < 0.01, `got ${mirrored}`);
    const c = chooseRoute(r, 0.1);
    assert.deepEqual([c.arm, c.bundle.bundleId, c.mirror?.bundleId], ['stable', 'b-stable', 'b-cand']);
  });

  test('0 % and no candidate serve stable; 100 % serves the candidate; the split is at u < percent/100', () => {
    assert.equal(share(route(0), 10_000, 1).canary, 0);
    assert.equal(share(route(100), 10_000, 1).canary, 1);
    assert.equal(chooseRoute(route(50, null, false), 0).arm, 'stable');
    assert.equal(chooseRoute(route(50), 0.4999).arm, 'canary');
    assert.equal(chooseRoute(route(50), 0.5).arm, 'stable');
  });

  test('a candidate without candidateArm is a canary; percentages outside 0..100 are clamped', () => {
    assert.equal(chooseRoute(route(100, null), 0.99).arm, 'canary');
    assert.equal(chooseRoute(route(150), 0.999).arm, 'canary');
    assert.equal(chooseRoute(route(-5), 0).arm, 'stable');
  });
});

describe('formatRoutingChange', () => {
  test('names the epoch, the bundles and the reason', () => {
    const change = {
      tenantId: 't',
      previous: undefined,
      partition: 0,
      offset: '0',
      appliedAt: 0,
      live: true,
    };
    assert.equal(
      formatRoutingChange({ ...change, current: route(10) }),
      '[wall 1970-01-01T00:00:00.000Z] routing t epoch 1 → b-stable + b-cand 10% canary ()',
    );
    assert.match(
      formatRoutingChange({ ...change, current: { ...route(0, null, false), reason: 'p95 +60%' } }),
      /→ b-stable \(p95 \+60%\)$/,
    );
    assert.match(formatRoutingChange({ ...change, current: undefined }), /→ removed \(tombstone\)$/);
  });
});
