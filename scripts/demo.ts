/**
 * `npm run demo`: the whole pipeline on this machine, as a newcomer first sees it. Starts the embedded
 * Kafka and registry (if nothing runs), applies the topology, starts signals, trigger and reversion
 * as separate processes, registers a good and a bad bundle, puts the bad one on a 25 % canary for 18
 * simulated tenants, and prints the timeline until the gateways are back on the stable bundle.
 * Exits 0 only if the rollback happened; stops what it started. Windows come from policies/demo.yaml.
 */
import { randomUUID } from 'node:crypto';
import { topics, type TopicKey, allTopicSpecs } from '../topology/topics.ts';
import { applyTopology } from '../topology/apply.ts';
import * as k from '../services/core/kafka.ts';
import type { AlertScore, RollbackDecision, RolloutCommand, RoutingCommand } from '../schemas/types.ts';
import { createGatewayRuntime } from '../services/gateway/gateway-runtime.ts';
import { RoutingFollower } from '../services/gateway/routing-follower.ts';
import { TelemetryProducer } from '../services/gateway/telemetry-producer.ts';
import { createSimulator } from '../services/gateway/simulator/simulator.ts';
import { realTimeClock } from '../services/gateway/simulator/clock.ts';
import { BundleRegistry } from '../services/registry/service.ts';
import { ensureInfra, startService, stopInfra, stopService, type ServiceProcess } from './demo/processes.ts';
import { Timeline } from './demo/timeline.ts';

const DEADLINE_MS = Number(process.env.DEMO_DEADLINE_MS ?? 240_000);
const AFFECTED_TIERS = ['enterprise', 'pro'];
const runTag = randomUUID().slice(0, 6);
const rolloutId = `demo-${runTag}`;
const tl = new Timeline();
const services: ServiceProcess[] = [];
let infraStarted = false;

async function main(): Promise<boolean> {
  tl.say(
    `backtrack demo ${runTag}: a canary that is slower for enterprise and pro tenants should be rolled back`,
  );
  infraStarted = await ensureInfra((l) => tl.say(l));
  const rt = createGatewayRuntime({ service: 'demo', logLevel: 'warn' });
  const admin = k.createAdmin(rt.kafka);
  await admin.connect();
  const plan = await applyTopology(admin, allTopicSpecs());
  await admin.disconnect();
  tl.say(`topology: ${plan.create.length} topics created, ${plan.unchanged.length} already there`);
  await rt.codec.registerSchemas(Object.keys(topics) as TopicKey[]);

  const env = {
    BACKTRACK_POLICY: 'policies/demo.yaml',
    BACKTRACK_LOG_LEVEL: 'warn',
    BACKTRACK_STATE_DIR: '.data/demo/state',
  };
  ['signals', 'trigger', 'reversion'].forEach((name, i) => {
    const p = startService(name, { ...env, BACKTRACK_METRICS_PORT: String(9471 + i) });
    p.child.once(
      'exit',
      (code) => code !== 0 && code !== null && tl.say(`!! ${name} exited with ${code}: see ${p.log}`),
    );
    services.push(p);
  });
  tl.say(
    `services started as separate processes: ${services.map((s) => `${s.name} (pid ${s.child.pid})`).join(', ')}`,
  );

  const registry = new BundleRegistry({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
  await registry.start();
  const base = {
    modelId: 'acme-llm',
    promptTemplateVersion: 'support-v41',
    promptTemplateHash: 'sha256:4f1c',
    config: { temperature: 0.2, maxTools: 8 },
    toolSchemaVersion: '3.2.0',
    stateVersion: 's7',
    supportedTiers: ['enterprise', 'pro', 'free'],
  };
  const stable = await registry.register({ ...base, modelVersionHash: 'mv-2026-10' }, 'demo');
  const candidate = await registry.register(
    {
      ...base,
      modelVersionHash: 'mv-2026-11',
      promptTemplateVersion: 'support-v42',
      promptTemplateHash: 'sha256:9a07',
      parentBundleId: stable.bundle.bundleId,
    },
    'demo',
  );
  tl.say(
    `bundles: stable ${stable.bundle.bundleId} (${stable.verdict}), candidate ${candidate.bundle.bundleId} (${candidate.verdict})`,
  );

  const producer = new TelemetryProducer({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
  await producer.start();
  const follower = new RoutingFollower({
    kafka: rt.kafka,
    codec: rt.codec,
    logger: rt.logger,
    gatewayId: 'demo-gw',
  });
  await follower.start();
  await follower.ready(60_000);

  const sim = createSimulator({
    producer,
    follower,
    clock: realTimeClock(),
    seed: 7,
    tenants: 18,
    rateScale: 2,
    tenantIdPrefix: `${runTag}-`,
    defaultBundleId: stable.bundle.bundleId,
    regressions: [
      {
        bundleId: candidate.bundle.bundleId,
        profile: { latencyMultiplier: { enterprise: 1.8, pro: 1.8, '*': 1 } },
      },
    ],
    onError: (err) => tl.say(`!! simulator stopped: ${(err as Error).message}`),
  });
  const ours = new Set(sim.tenants.map((t) => t.tenantId));
  const affected = sim.tenants.filter((t) => AFFECTED_TIERS.includes(t.tier)).map((t) => t.tenantId);

  const decisions: RollbackDecision[] = [];
  const commands: RoutingCommand[] = [];
  const consumer = k.createConsumer(rt.kafka, { groupId: `demo-timeline-${runTag}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.scores.name, topics.decisions.name], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === topics.scores.name) {
        const s = (await rt.codec.decode('scores', message.value)) as AlertScore;
        if (s.rolloutId === rolloutId) tl.score(s);
      } else {
        const d = (await rt.codec.decode('decisions', message.value)) as RollbackDecision;
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
    `simulator: ${sim.tenants.length} tenants (${AFFECTED_TIERS.join(' and ')} get +80 % latency on the candidate), real time`,
  );
  await sleep(8_000);
  const start: RolloutCommand = {
    commandId: `${rolloutId}-start`,
    rolloutId,
    action: 'start',
    strategy: 'canary',
    candidateBundleId: candidate.bundle.bundleId,
    baselineBundleId: stable.bundle.bundleId,
    tenants: sim.tenants.map((t) => ({ tenantId: t.tenantId, tenantTier: t.tier })),
    canaryPercent: 25,
    actor: 'demo',
    reason: 'demo canary of support-v42',
    issuedAt: Date.now(),
  };
  const cmdProducer = k.createIdempotentProducer(rt.kafka);
  await cmdProducer.connect();
  await cmdProducer.send({
    topic: topics.rollouts.name,
    messages: [{ key: rolloutId, value: rt.codec.encode('rollouts', start) }],
  });
  tl.say(
    `ROLLOUT ${rolloutId} started: canary 25 % of ${candidate.bundle.bundleId} for all ${sim.tenants.length} tenants`,
  );

  const backOnStable = (id: string): boolean => {
    const r = follower.routeFor(id);
    return r !== undefined && r.rolloutId === rolloutId && r.candidate === null;
  };
  const deadline = Date.now() + DEADLINE_MS;
  let lastSummary = 0;
  while (Date.now() < deadline && !affected.every(backOnStable)) {
    if (Date.now() - lastSummary > 10_000) {
      tl.say(`signals ${tl.tierSummary()}`);
      lastSummary = Date.now();
    }
    await sleep(250);
  }
  const rolledBack = affected.every(backOnStable);
  if (rolledBack) {
    const before = affected.map((id) => sim.tenantTraffic(id)[candidate.bundle.bundleId] ?? 0);
    await sleep(5_000);
    const after = affected.map((id) => sim.tenantTraffic(id)[candidate.bundle.bundleId] ?? 0);
    const moved = after.every((n, i) => n === before[i]);
    tl.say(
      `gateways: ${affected.length}/${affected.length} ${AFFECTED_TIERS.join('/')} tenants back on ${stable.bundle.bundleId}; candidate traffic since: ${moved ? 'none' : 'still flowing!'}`,
    );
    const others = sim.tenants.filter((t) => !AFFECTED_TIERS.includes(t.tier));
    const stillOn = others.filter((t) => !backOnStable(t.tenantId)).length;
    const halted = decisions.some((d) => d.action === 'halt_rollout' && d.mode === 'automatic');
    tl.say(
      `other tiers (not regressed): ${stillOn}/${others.length} still on the canary${halted ? ' — the rollout was halted on breadth, so they went back too' : ''}`,
    );
    reportLatency(decisions, commands, sim.wallIndex);
  } else {
    tl.say(`!! no rollback within ${DEADLINE_MS / 1000} s; signals ${tl.tierSummary()}; logs in .data/demo/`);
  }
  await sim.stop();
  await Promise.allSettled([
    producer.close(),
    follower.stop(),
    registry.stop(),
    consumer.disconnect(),
    cmdProducer.disconnect(),
  ]);
  return rolledBack;
}

/** Breach = the first event past the breaching window's close (windowEnd + lateness); command = its issuedAt. */
function reportLatency(
  decisions: readonly RollbackDecision[],
  commands: readonly RoutingCommand[],
  wall: { producedBy(eventMs: number): number | undefined },
): void {
  const acted = decisions.find((d) => d.action !== 'pause_onboarding' && d.mode === 'automatic');
  if (acted === undefined) return;
  const issued = commands.filter((c) => c.decisionId === acted.decisionId).map((c) => c.issuedAt);
  const breachWall = wall.producedBy(acted.decidedAt + 2_000);
  if (issued.length === 0 || breachWall === undefined) return;
  tl.say(
    `breach → routing command: ${Math.min(...issued) - breachWall} ms (decision ${acted.decisionId}, window ending ${new Date(acted.decidedAt).toISOString()})`,
  );
}

/** The routing reason up to the first tenant detail: `route_back by decision <id>`. */
const shortReason = (reason: string): string => reason.split(':')[0] ?? reason;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function cleanup(): Promise<void> {
  await Promise.allSettled(services.map((s) => stopService(s)));
  if (!infraStarted) return;
  tl.say('stopping the embedded Kafka and registry');
  stopInfra();
}

let ok = false;
try {
  ok = await main();
} catch (err) {
  tl.say(`!! demo failed: ${(err as Error).stack ?? String(err)}`);
}
await cleanup();
tl.say(ok ? 'ROLLBACK DONE — exit 0' : 'no rollback — exit 1');
process.exit(ok ? 0 : 1);
