/**
 * `npm run demo`: the whole pipeline on this machine, as a newcomer first sees it. Starts the embedded
 * Kafka and registry (if nothing runs), creates this run's own topics, starts signals, trigger and
 * reversion as separate processes, registers a good and a bad bundle, puts the bad one on a 25 % canary
 * for 18 simulated tenants (real time; the candidate doubles enterprise and pro latency), and prints the
 * timeline until the gateways have put the affected tenants back on the stable bundle.
 * Exits 0 only if that rollback happened; stops what it started and deletes the run's topics and state.
 * Windows come from policies/demo.yaml; DEMO_DEADLINE_MS bounds the wait after the rollout starts.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { topics, type TopicKey } from '../topology/topics.ts';
import { applyTopology } from '../topology/apply.ts';
import * as k from '../services/core/kafka.ts';
import { parsePolicy } from '../services/detect/policy/index.ts';
import type { AlertScore, RollbackDecision, RolloutCommand, RoutingCommand } from '../schemas/types.ts';
import { createGatewayRuntime, type GatewayRuntime } from '../services/gateway/gateway-runtime.ts';
import { RoutingFollower } from '../services/gateway/routing-follower.ts';
import { TelemetryProducer } from '../services/gateway/telemetry-producer.ts';
import { createSimulator } from '../services/gateway/simulator/simulator.ts';
import { realTimeClock } from '../services/gateway/simulator/clock.ts';
import { BundleRegistry } from '../services/registry/service.ts';
import { breachToCommand, formatLatencies } from './demo/breach-latency.ts';
import * as proc from './demo/processes.ts';
import { demoRun, removeRun, waitForServices } from './demo/run-topics.ts';
import { Timeline } from './demo/timeline.ts';
import { registerDemoBundles } from './demo/bundles.ts';

const POLICY = 'policies/demo.yaml';
const DEADLINE_MS = Number(process.env.DEMO_DEADLINE_MS ?? 150_000);
const AFFECTED_TIERS = ['enterprise', 'pro'];
/** p95 (and every quantile) of enterprise and pro requests on the candidate: ×2, +100 %. */
const LATENCY_MULTIPLIER = 2;
/** ×6 the fleet's default request rates: a tenant's 60-s window holds enough canary requests. */
const RATE_SCALE = 6;
const run = demoRun(randomUUID().slice(0, 6));
const rolloutId = `demo-${run.tag}`;
const tl = new Timeline();
const services: proc.ServiceProcess[] = [];
let infraStarted = false;
/** Set on SIGINT/SIGTERM: the services get the signal too, their exits are expected. */
let interrupted = false;
let rt: GatewayRuntime | undefined;

async function main(): Promise<boolean> {
  tl.say(
    `backtrack demo ${run.tag}: a canary that is slower for enterprise and pro tenants should be rolled back`,
  );
  infraStarted = await proc.ensureInfra((l) => tl.say(l));
  proc.wipeDemoState();
  rt = createGatewayRuntime({ service: 'demo', logLevel: 'error', topics: run.rename });
  const admin = k.createAdmin(rt.kafka);
  await admin.connect();
  const plan = await applyTopology(admin, run.specs);
  await admin.disconnect();
  tl.say(`topology: ${plan.create.length} topics created for this run (prefix demo-${run.tag}.)`);
  await rt.codec.registerSchemas(Object.keys(topics) as TopicKey[]);

  const env = {
    ...run.env,
    BACKTRACK_POLICY: POLICY,
    BACKTRACK_LOG_LEVEL: 'warn',
    BACKTRACK_STATE_DIR: proc.runStateDir(run.tag),
  };
  const names = ['signals', 'trigger', 'reversion'];
  for (const name of names) {
    const p = proc.startService(name, {
      ...env,
      BACKTRACK_METRICS_PORT: String(await proc.freePort()),
    });
    p.child.once(
      'exit',
      (code) =>
        code !== 0 && code !== null && !interrupted && tl.say(`!! ${name} exited with ${code}: see ${p.log}`),
    );
    services.push(p);
  }
  tl.say(
    `services started as separate processes: ${services.map((s) => `${s.name} (pid ${s.child.pid})`).join(', ')}`,
  );

  await waitForServices(rt.kafka, run, names, 60_000);
  tl.say('services ready: each has joined its consumer group');

  const registry = new BundleRegistry({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
  await registry.start();
  const bundles = await registerDemoBundles(registry);
  const stableId = bundles.stable.bundleId;
  const candidateId = bundles.candidate.bundleId;
  tl.say(`bundles: ${bundles.line}`);

  const producer = new TelemetryProducer({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
  await producer.start();
  const follower = new RoutingFollower({
    kafka: rt.kafka,
    codec: rt.codec,
    logger: rt.logger,
    gatewayId: `demo-${run.tag}-gw`,
  });
  await follower.start();
  await follower.ready(60_000);

  const sim = createSimulator({
    producer,
    follower,
    clock: realTimeClock(),
    seed: 7,
    tenants: 18,
    rateScale: RATE_SCALE,
    tenantIdPrefix: `${run.tag}-`,
    runId: rolloutId,
    defaultBundleId: stableId,
    regressions: [
      {
        bundleId: candidateId,
        profile: {
          latencyMultiplier: Object.fromEntries([
            ...AFFECTED_TIERS.map((t) => [t, LATENCY_MULTIPLIER]),
            ['*', 1],
          ]),
        },
      },
    ],
    onError: (err) => tl.say(`!! simulator stopped: ${(err as Error).message}`),
  });
  const ours = new Set(sim.tenants.map((t) => t.tenantId));
  const affected = sim.tenants.filter((t) => AFFECTED_TIERS.includes(t.tier)).map((t) => t.tenantId);

  const decisions: RollbackDecision[] = [];
  const commands: RoutingCommand[] = [];
  const consumer = k.createConsumer(rt.kafka, { groupId: `demo-${run.tag}-timeline` });
  await consumer.connect();
  await consumer.subscribe({ topics: [run.rename.scores, run.rename.decisions], fromBeginning: true });
  const codec = rt.codec;
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === run.rename.scores) {
        const s = (await codec.decode('scores', message.value)) as AlertScore;
        if (s.rolloutId === rolloutId) tl.score(s);
      } else {
        const d = (await codec.decode('decisions', message.value)) as RollbackDecision;
        if (d.rolloutId !== rolloutId) return;
        decisions.push(d);
        tl.decision(d);
      }
    },
  });
  follower.onChange((c) => {
    if (!c.live || !ours.has(c.tenantId) || c.current === undefined) return;
    const cmd = c.current;
    commands.push(cmd);
    if (cmd.decisionId !== null) tl.mark('command');
    const to =
      cmd.candidate === null
        ? `back on stable ${cmd.stable.bundleId}`
        : `${cmd.candidatePercent}% on ${cmd.candidate.bundleId}`;
    tl.say(
      `gateway applied routing: ${c.tenantId} (${cmd.tenantTier}) epoch ${cmd.epoch} → ${to} [${shortReason(cmd.reason)}]`,
    );
  });

  sim.start();
  tl.say(
    `simulator: ${sim.tenants.length} tenants in real time (${affected.length} of them ${AFFECTED_TIERS.join(' or ')}: ` +
      `×${LATENCY_MULTIPLIER} latency on the candidate, the others unchanged)`,
  );
  await sleep(8_000);
  const start: RolloutCommand = {
    commandId: `${rolloutId}-start`,
    rolloutId,
    action: 'start',
    strategy: 'canary',
    candidateBundleId: candidateId,
    baselineBundleId: stableId,
    tenants: sim.tenants.map((t) => ({ tenantId: t.tenantId, tenantTier: t.tier })),
    canaryPercent: 25,
    actor: 'demo',
    reason: 'demo canary of support-v42',
    issuedAt: Date.now(),
  };
  const cmdProducer = k.createIdempotentProducer(rt.kafka);
  await cmdProducer.connect();
  await cmdProducer.send({
    topic: run.rename.rollouts,
    messages: [{ key: rolloutId, value: codec.encode('rollouts', start) }],
  });
  tl.mark('rollout');
  tl.say(`ROLLOUT ${rolloutId} started: canary 25 % of ${candidateId} for all ${sim.tenants.length} tenants`);

  const backOnStable = (id: string): boolean => {
    const r = follower.routeFor(id);
    return r !== undefined && r.rolloutId === rolloutId && r.candidate === null;
  };
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline && !affected.every(backOnStable)) {
    tl.tick();
    await sleep(250);
  }
  const rolledBack = affected.every(backOnStable);
  tl.printSignals();
  if (rolledBack) {
    tl.mark('allBack');
    const before = affected.map((id) => sim.tenantTraffic(id)[candidateId] ?? 0);
    await sleep(3_000);
    const after = affected.map((id) => sim.tenantTraffic(id)[candidateId] ?? 0);
    const none = after.every((n, i) => n === before[i]);
    tl.say(
      `GATEWAYS: ${affected.length}/${affected.length} ${AFFECTED_TIERS.join('/')} tenants back on ${stableId}; ` +
        `candidate requests since: ${none ? 'none' : 'still flowing!'}`,
    );
    const others = sim.tenants.filter((t) => !AFFECTED_TIERS.includes(t.tier));
    const stillOn = others.filter((t) => !backOnStable(t.tenantId)).length;
    const halted = decisions.some((d) => d.action === 'halt_rollout' && d.mode === 'automatic');
    tl.say(
      `other tiers (not regressed): ${stillOn}/${others.length} still on the canary` +
        (halted ? ' — the rollout was halted on breadth, so they went back too' : ''),
    );
  } else {
    tl.say(
      `!! not every affected tenant back within ${DEADLINE_MS / 1000} s; signals ${tl.tierSummary()}; logs in .data/demo/`,
    );
  }
  const lateness = parsePolicy(readFileSync(POLICY, 'utf8'), POLICY).windows.allowedLatenessMs;
  const latencies = breachToCommand(decisions, commands, sim.wallIndex, lateness);
  await sim.stop();
  await Promise.allSettled([
    producer.close(),
    follower.stop(),
    registry.stop(),
    consumer.disconnect(),
    cmdProducer.disconnect(),
  ]);
  tl.printRunSummary(affected.length, formatLatencies(latencies));
  return rolledBack;
}

/** The routing reason up to the first tenant detail: `route_back by decision <id>`. */
const shortReason = (reason: string): string => reason.split(':')[0] ?? reason;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function cleanup(): Promise<void> {
  await Promise.allSettled(services.map((s) => proc.stopService(s)));
  if (rt !== undefined) {
    await removeRun(rt.kafka, rt.codec, run).catch((err: unknown) =>
      tl.say(`!! could not delete the run's topics: ${(err as Error).message}`),
    );
  }
  rmSync(proc.runStateDir(run.tag), { recursive: true, force: true });
  if (!infraStarted) return;
  tl.say('stopping the embedded Kafka and registry');
  proc.stopInfra();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    tl.say(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}
let ok = false;
try {
  ok = await main();
} catch (err) {
  tl.say(`!! demo failed: ${(err as Error).stack ?? String(err)}`);
}
await cleanup();
tl.say(
  `${ok ? 'ROLLBACK DONE — exit 0' : 'no rollback — exit 1'} (total ${(tl.elapsedMs / 1000).toFixed(1)} s)`,
);
process.exit(ok ? 0 : 1);
