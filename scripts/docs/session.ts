/**
 * A live environment on its own topics, for capturing the real output shown in docs/OPERATOR-GUIDE.md
 * and docs/RUNBOOK.md: `tsx scripts/docs/session.ts up <tag>` creates the topics of run `<tag>` (the
 * demo's naming, `demo-<tag>.<topic>`), starts signals, trigger and reversion as processes
 * (services/<name>/main.ts with the run's `env`, policy scripts/docs/docs-policy.yaml, metrics on
 * 19461..19463) and the console in-process (port 18080), writes `.data/docs/<tag>/env.sh`
 * (BACKTRACK_TOPICS for the CLI), then waits until bundles with modelVersionHash mv-2026-10 (stable)
 * and mv-2026-11 (candidate) are registered and drives 12 simulated tenants whose enterprise and pro
 * requests are ×2 slower on the candidate. Runs until SIGINT/SIGTERM. `tsx scripts/docs/session.ts
 * down <tag>` deletes the run's topics, groups, subjects and `.data/docs/<tag>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { topics, type TopicKey } from '../../topology/topics.ts';
import { applyTopology } from '../../topology/apply.ts';
import * as k from '../../services/core/kafka.ts';
import { createServiceRuntime } from '../../services/core/service-runtime.ts';
import { loadConsoleConfig } from '../../services/console/config.ts';
import { ConsoleService } from '../../services/console/service.ts';
import { createGatewayRuntime } from '../../services/gateway/gateway-runtime.ts';
import { RoutingFollower } from '../../services/gateway/routing-follower.ts';
import { TelemetryProducer } from '../../services/gateway/telemetry-producer.ts';
import { createSimulator } from '../../services/gateway/simulator/simulator.ts';
import { realTimeClock } from '../../services/gateway/simulator/clock.ts';
import { readBundles } from '../../services/ops/bundles.ts';
import { demoRun, removeRun } from '../demo/run-topics.ts';

const [verb, tag] = process.argv.slice(2);
if ((verb !== 'up' && verb !== 'down') || tag === undefined) {
  console.error('usage: tsx scripts/docs/session.ts up|down <tag>');
  process.exit(2);
}
const run = demoRun(tag);
const dir = join('.data', 'docs', tag);
const rt = createGatewayRuntime({ service: 'docs', logLevel: 'error', topics: run.rename });
const say = (s: string): void => console.log(`[${new Date().toISOString()}] ${s}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

if (verb === 'down') {
  await removeRun(rt.kafka, rt.codec, run);
  rmSync(dir, { recursive: true, force: true });
  say(`removed the topics, groups, subjects and ${dir} of run ${tag}`);
  process.exit(0);
}

mkdirSync(dir, { recursive: true });
const admin = k.createAdmin(rt.kafka);
await admin.connect();
const plan = await applyTopology(admin, run.specs);
await admin.disconnect();
await rt.codec.registerSchemas(Object.keys(topics) as TopicKey[]);
writeFileSync(join(dir, 'env.sh'), `export BACKTRACK_TOPICS='${run.env.BACKTRACK_TOPICS}'\n`);
say(`${plan.create.length} topics created; CLI settings in ${join(dir, 'env.sh')}`);

const children: ChildProcess[] = [];
const ports: Record<string, number> = { signals: 19461, trigger: 19462, reversion: 19463 };
for (const name of ['signals', 'trigger', 'reversion']) {
  const out = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/main.ts`], {
    env: {
      ...process.env,
      ...run.env,
      BACKTRACK_EXIT_ON_STDIN_EOF: '1',
      BACKTRACK_POLICY: 'scripts/docs/docs-policy.yaml',
      BACKTRACK_STATE_DIR: join(dir, 'state'),
      BACKTRACK_METRICS_PORT: String(ports[name]),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  children.push(child);
  say(`${name} started (pid ${child.pid}, metrics :${ports[name]}, log ${join(dir, `${name}.log`)})`);
}

const consoleConfig = loadConsoleConfig({
  ...process.env,
  BACKTRACK_LOG_LEVEL: 'warn',
  BACKTRACK_CONSOLE_PORT: process.env.BACKTRACK_CONSOLE_PORT ?? '18080',
});
const consoleRt = createServiceRuntime(consoleConfig.core, run.rename);
const consoleService = new ConsoleService(consoleRt, {
  tokens: consoleConfig.tokens,
  limits: consoleConfig.limits,
  port: consoleConfig.port,
  host: '127.0.0.1',
  groupId: `demo-${tag}-console`,
});
await consoleService.start();
say(`console at ${consoleService.url}`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  say('stopping');
  for (const c of children) c.stdin?.end();
  await consoleService.stop().catch(() => undefined);
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

let stableId: string | undefined;
let candidateId: string | undefined;
while (stableId === undefined || candidateId === undefined) {
  await sleep(1_000);
  const bundles = await readBundles(rt).catch(() => []);
  stableId = bundles.find((b) => b.modelVersionHash === 'mv-2026-10')?.bundleId;
  candidateId = bundles.find((b) => b.modelVersionHash === 'mv-2026-11')?.bundleId;
}
say(`bundles seen: stable ${stableId}, candidate ${candidateId}`);

const producer = new TelemetryProducer({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
await producer.start();
const follower = new RoutingFollower({
  kafka: rt.kafka,
  codec: rt.codec,
  logger: rt.logger,
  gatewayId: `docs-${tag}-gw`,
});
await follower.start();
await follower.ready(60_000);
const sim = createSimulator({
  producer,
  follower,
  clock: realTimeClock(),
  seed: 11,
  tenants: 12,
  rateScale: 6,
  tenantIdPrefix: 'acme-',
  runId: `docs-${tag}`,
  defaultBundleId: stableId,
  regressions: [{ bundleId: candidateId, profile: { latencyMultiplier: { enterprise: 2, pro: 2, '*': 1 } } }],
  onError: (err) => say(`simulator stopped: ${(err as Error).message}`),
});
const list = sim.tenants.map((t) => `${t.tenantId}:${t.tier}`).join(',');
writeFileSync(join(dir, 'tenants.txt'), `${list}\n`);
sim.start();
say(`simulator: ${sim.tenants.length} tenants (${list}); list in ${join(dir, 'tenants.txt')}`);
follower.onChange((c) => {
  if (!c.live || c.current === undefined) return;
  const cmd = c.current;
  const to = cmd.candidate === null ? 'stable only' : `${cmd.candidatePercent}% on ${cmd.candidate.bundleId}`;
  say(`gateway routing ${c.tenantId} epoch ${cmd.epoch}: ${to}`);
});
