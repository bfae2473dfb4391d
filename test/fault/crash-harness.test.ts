/**
 * Crash harness: the full pipeline (two signals instances sharing the partitions, trigger, reversion,
 * each a child process) under a canary whose errors spike; a seeded PRNG picks a process and a moment,
 * SIGKILLs it and restarts it, at least FAULT_KILLS (20) times, also during start-up and restore, so
 * partitions move between the signals instances (rebalance, restore from the changelog). Afterwards
 * every decision was executed exactly once, no tenant's routing epoch repeats or goes back, and the
 * audit chain verifies.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyChain } from '../../services/reversion/core/index.ts';
import { Prng } from '../scenarios/prng.ts';
import { waitFor } from '../integration/helpers.ts';
import { CrashPipeline, PROCESSES, serviceOf } from './crash-pipeline.ts';
import { recordResult } from './fault-report.ts';

const KILLS = Number(process.env.FAULT_KILLS ?? 20);
const SEED = Number(process.env.FAULT_SEED ?? 2026);
const TENANTS = 16;
const p = new CrashPipeline();
after(() => p.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  `${KILLS} SIGKILLs of random services: every decision executed once, epochs monotonic, audit chain intact`,
  { timeout: 480_000 },
  async (t) => {
    const t0 = performance.now();
    await p.start('errors', TENANTS);
    const rng = new Prng(SEED);
    const tenants = p.sim.tenants.map((x) => x.tenantId);
    await waitFor(() => p.sim.stats().untilMs >= p.sim.clock.startEpochMs + 30_000, 'warm-up', 30_000);
    await p.startRollout(25);
    await waitFor(
      () => tenants.every((id) => p.follower.routeFor(id)?.candidate != null),
      'every tenant on the canary',
      120_000,
    );

    const killed: Record<string, number> = Object.fromEntries(PROCESSES.map((id) => [id, 0]));
    let duringStartup = 0;
    let afterFirstDecision = 0;
    const killUntil = performance.now() + 240_000;
    for (let i = 0; i < KILLS || (p.decisions.values.length === 0 && performance.now() < killUntil); i++) {
      await sleep(rng.uniform(300, 2_500));
      const id = PROCESSES[rng.int(0, PROCESSES.length - 1)] ?? 'signals';
      const current = p.children.get(id);
      if (current !== undefined && !current.up()) duringStartup++;
      if (p.decisions.values.length > 0) afterFirstDecision++;
      await p.kill(id);
      killed[id] = (killed[id] ?? 0) + 1;
      const next = await p.startService(serviceOf(id), id);
      // Most restarts get to run; some are killed again while starting or restoring from the changelog.
      if (rng.chance(0.6)) await next.started;
    }
    await Promise.all(PROCESSES.map((s) => p.children.get(s)?.started));
    const kills = Object.values(killed).reduce((a, b) => a + b, 0);
    const tKillsDone = performance.now();

    await waitFor(() => tenants.every((id) => p.isBack(id)), 'every tenant back on stable', 150_000);
    await waitFor(
      () => {
        const commands = new Set(p.routing.values.map((c) => c.commandId));
        return tenants.every((id) => commands.has(p.follower.routeFor(id)?.commandId ?? ''));
      },
      'routing reader caught up with the gateway',
      30_000,
    );
    await sleep(3_000);
    assert.deepEqual(p.failures, []);

    const decisionIds = new Set(
      p.decisions.values.filter((d) => d.rolloutId === p.rolloutId).map((d) => d.decisionId),
    );
    assert.ok(decisionIds.size > 0, 'at least one decision');
    const audit = p.audit.values;
    const received = new Map<string, number>();
    for (const e of audit)
      if (e.kind === 'decision_received') received.set(e.subjectId, (received.get(e.subjectId) ?? 0) + 1);
    for (const id of decisionIds)
      assert.equal(received.get(id), 1, `decision ${id} received ${received.get(id) ?? 0} times`);

    const routing = p.routing.values;
    const pairs = routing.filter((c) => c.decisionId !== null).map((c) => `${c.decisionId}/${c.tenantId}`);
    assert.equal(new Set(pairs).size, pairs.length, 'a decision routed a tenant twice');
    assert.equal(new Set(routing.map((c) => c.commandId)).size, routing.length, 'a routing command repeated');
    const epochs = new Map<string, number>();
    for (const c of routing) {
      const before = epochs.get(c.tenantId) ?? -Infinity;
      assert.ok(c.epoch > before, `${c.tenantId}: epoch ${c.epoch} after ${before}`);
      epochs.set(c.tenantId, c.epoch);
    }
    const chain = verifyChain(audit);
    assert.ok(chain.ok, JSON.stringify(chain));

    const restores = p.signalsRestores();
    assert.ok(restores.restores > 0, 'a signals instance restored a store from the changelog');

    const duplicatesOnDecisionsTopic = p.decisions.values.length - decisionIds.size;
    const result = {
      seed: SEED,
      kills,
      killed,
      killedDuringStartup: duringStartup,
      killsAfterFirstDecision: afterFirstDecision,
      decisions: decisionIds.size,
      decisionRecordsOnTopic: p.decisions.values.length,
      duplicatesOnDecisionsTopic,
      routingCommands: routing.length,
      auditEvents: audit.length,
      signalsChangelogRestores: restores,
      tenantsBack: tenants.length,
      killPhaseS: Math.round((tKillsDone - t0) / 1000),
      totalS: Math.round((performance.now() - t0) / 1000),
    };
    recordResult('crash harness: SIGKILL + restart of random services', result);
    t.diagnostic(JSON.stringify(result));
    assert.ok(kills >= KILLS);
  },
);
