/**
 * A candidate whose tool calls fail (+8 pp) and whose JSON breaks (+4 pp) for every tier (the
 * simulator's `errors` preset): a clear, broad breach. Trigger must halt the rollout automatically and
 * reversion put every tenant back on the stable bundle. 20 tenants at 30× event time, policies/demo.yaml.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { E2ePipeline } from './harness.ts';
import { printLatencySummary, recordLatency } from './latency.ts';

const FILE = 'e2e-error-spike';
const e2e = new E2ePipeline({ label: 'error-spike', speed: 30, tenants: 20, regression: 'errors' });
after(async () => {
  e2e.logState();
  await e2e.stop();
  printLatencySummary(FILE);
});

test('halts the rollout when errors spike on all tenants', { timeout: 240_000 }, async (t) => {
  await e2e.start();
  await e2e.warmUp(30_000);
  await e2e.startRollout(25);
  const tenants = e2e.sim.tenants.map((x) => x.tenantId);

  await e2e.until(
    () => e2e.decided.some((d) => d.action === 'halt_rollout' && d.mode === 'automatic'),
    'an automatic halt_rollout decision',
    90_000,
  );
  await e2e.until(() => tenants.every((id) => e2e.isBack(id)), 'every tenant back on stable', 30_000);
  await e2e.readersCaughtUp();

  const decisions = e2e.decided;
  const halt = decisions.find((d) => d.action === 'halt_rollout' && d.mode === 'automatic')!;
  const rule = e2e.policy.breadth.haltRollout;
  assert.ok(halt.breadth >= rule.share, `breadth ${halt.breadth} reaches the halt share ${rule.share}`);
  for (const id of tenants) {
    const route = e2e.routeOf(id)!;
    assert.equal(route.stable.bundleId, e2e.stable.bundleId, `${id} on the stable bundle`);
    assert.equal(route.candidatePercent, 0);
    const by = decisions.find((d) => d.decisionId === route.decisionId);
    assert.ok(by !== undefined && by.mode === 'automatic', `${id} routed back by an automatic decision`);
    assert.ok(by.action === 'route_back' || by.action === 'halt_rollout', `${id}: ${by.action}`);
  }
  const routing = e2e.commands;
  const acted = decisions.filter((d) => routing.some((c) => c.decisionId === d.decisionId));
  assert.deepEqual(
    routing
      .filter((c) => c.decisionId === halt.decisionId)
      .map((c) => c.tenantId)
      .sort(),
    [...halt.tenantIds].sort(),
    'the halt routed back every tenant it named, once',
  );
  for (const d of acted) {
    const ms = e2e.latencyOf(d);
    assert.notEqual(ms, undefined, `breach → command latency of ${d.action} ${d.decisionId}`);
    recordLatency(`error-spike:${d.action}`, ms!);
    t.diagnostic(`${d.action} ${d.decisionId}: ${e2e.latencyParts(d)}`);
  }
});
