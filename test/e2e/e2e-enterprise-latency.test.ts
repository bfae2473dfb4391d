/**
 * A canary whose latency rises 40 % for enterprise tenants only: trigger must route exactly those back,
 * automatically, and leave pro and free tenants on the canary (no halt).
 *
 * Profile: enterprise latency ×1.4 (p95 +40 %), other tiers unchanged. policies/demo.yaml puts +40 % in
 * the flag band (needs_approval); this test runs the stricter policy of an operator who wants enterprise
 * tenants back automatically at +30 % (enterprise-strict-policy.ts). rateScale 6 gives a tenant's 60-s
 * window enough candidate requests (~300) for the p95 test to pass zAct well; 6× event time keeps the
 * event rate (about 1 200 events per wall second) near that of the other e2e tests.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RollbackDecision } from '../../schemas/types.ts';
import { enterpriseStrictPolicy } from './enterprise-strict-policy.ts';
import { E2ePipeline } from './harness.ts';
import { printLatencySummary, recordLatency } from './latency.ts';

const FILE = 'e2e-enterprise-latency';
const e2e = new E2ePipeline({
  label: 'ent-latency',
  policy: enterpriseStrictPolicy(),
  speed: 6,
  rateScale: 6,
  tenants: 20,
  regression: { latencyMultiplier: { enterprise: 1.4, '*': 1 } },
});
after(async () => {
  e2e.logState();
  await e2e.stop();
  printLatencySummary(FILE);
});

test(
  'routes enterprise tenants back when their p95 rises 40 %, leaves the others on the canary',
  { timeout: 240_000 },
  async (t) => {
    await e2e.start();
    await e2e.warmUp(30_000);
    await e2e.startRollout(25);
    const enterprise = e2e.tenantsOf(['enterprise']);
    const others = e2e.tenantsOf(['pro', 'free']);
    assert.equal(enterprise.length, 4);
    assert.equal(others.length, 16);

    await e2e.until(
      () => enterprise.every((id) => e2e.isBack(id)),
      'every enterprise tenant routed back',
      90_000,
    );
    const servedBack = enterprise.map((id) => e2e.sim.tenantTraffic(id)[e2e.candidate.bundleId] ?? 0);
    await e2e.scoredUntil(e2e.sim.clock.now() + 60_000, 60_000, () => others.some((id) => e2e.isBack(id)));
    await e2e.readersCaughtUp();

    const decisions = e2e.decided;
    for (const id of enterprise) {
      const route = e2e.routeOf(id)!;
      assert.equal(route.stable.bundleId, e2e.stable.bundleId, `${id} back on the stable bundle`);
      assert.notEqual(route.decisionId, null, `${id} routed back by a decision`);
      const by = decisions.find((d) => d.decisionId === route.decisionId);
      assert.equal(by?.action, 'route_back', `${id}: ${by?.action}`);
      assert.equal(by?.mode, 'automatic', `${id}: ${by?.mode}`);
    }
    for (const id of new Set(enterprise.map((x) => e2e.routeOf(x)!.decisionId!))) {
      const decision = decisions.find((d) => d.decisionId === id)!;
      const ms = e2e.latencyOf(decision);
      assert.notEqual(ms, undefined, `breach → command latency of decision ${id}`);
      recordLatency('enterprise-latency', ms!);
      t.diagnostic(`${id}: ${e2e.latencyParts(decision)}`);
    }
    const servedLater = enterprise.map((id) => e2e.sim.tenantTraffic(id)[e2e.candidate.bundleId] ?? 0);
    assert.deepEqual(
      servedLater,
      servedBack,
      'no enterprise request served by the candidate once routed back',
    );

    assert.deepEqual(
      others.filter((id) => e2e.isBack(id)),
      [],
      'no pro or free tenant routed back',
    );
    for (const id of others)
      assert.equal(e2e.routeOf(id)?.candidate?.bundleId, e2e.candidate.bundleId, `${id} still on the canary`);
    const describe = (d: RollbackDecision): string =>
      `${d.action}/${d.mode} of ${d.tenantIds.length} tenants: ${d.reasons[0]}`;
    assert.deepEqual(
      decisions.filter((d) => d.action === 'halt_rollout').map(describe),
      [],
      'no halt_rollout',
    );
    assert.deepEqual(
      decisions.filter((d) => d.tenantIds.some((id) => others.includes(id))).map(describe),
      [],
      'no decision names a pro or free tenant (a needs_approval one routes them back on approval or timeout)',
    );
  },
);
