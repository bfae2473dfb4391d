/**
 * A candidate that behaves exactly like the stable bundle (same simulator profile): over more than ten
 * minutes of event time nothing may be routed back or halted, automatically or by asking a human, and
 * the rollout can then be promoted. 20 tenants at 30× event time, policies/demo.yaml.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { E2ePipeline } from './harness.ts';
import { printLatencySummary } from './latency.ts';

const FILE = 'e2e-benign';
const OBSERVED_MS = 10.5 * 60_000;
const e2e = new E2ePipeline({ label: 'benign', speed: 30, tenants: 20 });
after(async () => {
  e2e.logState();
  await e2e.stop();
  printLatencySummary(FILE);
});

test('a benign canary yields no rollback and can be promoted', { timeout: 240_000 }, async (t) => {
  await e2e.start();
  await e2e.warmUp(30_000);
  await e2e.startRollout(25);
  const tenants = e2e.sim.tenants.map((x) => x.tenantId);
  await e2e.scoredUntil(e2e.rolloutStartedAt + OBSERVED_MS, 120_000);

  const decisions = e2e.decided;
  const acting = decisions.filter((d) => d.action === 'route_back' || d.action === 'halt_rollout');
  assert.deepEqual(
    acting.map((d) => `${d.action}/${d.mode} of ${d.tenantIds.join(',')}: ${d.reasons[0]}`),
    [],
    'no route_back or halt_rollout decision, automatic or needs_approval',
  );
  assert.deepEqual(
    tenants.filter((id) => e2e.isBack(id)),
    [],
    'nobody routed back',
  );
  const scores = e2e.scores.values.filter((s) => s.rolloutId === e2e.rolloutId);
  for (const tier of ['enterprise', 'pro', 'free'])
    assert.ok(
      scores.some((s) => s.tenantTier === tier && s.verdict === 'ok'),
      `${tier} tenants were judged ok`,
    );
  const degraded = scores.filter((s) => s.verdict === 'degraded').length;
  t.diagnostic(
    `${decisions.length} decisions (${decisions.map((d) => `${d.action}/${d.mode}`).join(', ') || 'none'}), ` +
      `${scores.length} scores, ${degraded} of them degraded (a single degraded window is not confirmed)`,
  );

  await e2e.command('promote');
  await e2e.until(
    () => tenants.every((id) => e2e.routeOf(id)?.stable.bundleId === e2e.candidate.bundleId),
    'every tenant promoted to the candidate',
    30_000,
  );
  for (const id of tenants) {
    const route = e2e.routeOf(id)!;
    assert.equal(route.candidate, null, `${id} has no candidate left`);
    assert.equal(route.candidatePercent, 0);
    assert.equal(route.decisionId, null, `${id} promoted by the operator, not by a decision`);
  }
});
