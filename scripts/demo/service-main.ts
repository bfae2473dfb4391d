/**
 * One service of a demo run, as its own process: `tsx scripts/demo/service-main.ts <service> <run>`,
 * with `<service>` signals, trigger or reversion. The same configuration (environment), classes and
 * shutdown as services/<service>/main.ts, but on the run's topics, consumer group and changelog
 * (run-topics.ts). Stops like SIGTERM when its stdin closes: the demo that spawned it has exited.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../services/core/config.ts';
import { envInt, envOptionalString } from '../../services/core/env-schema.ts';
import { createServiceRuntime } from '../../services/core/service-runtime.ts';
import { installShutdown } from '../../services/core/shutdown.ts';
import { defaultPolicy, parsePolicy, type Policy } from '../../services/detect/policy/index.ts';
import { loadReversionConfig } from '../../services/reversion/config.ts';
import { ReversionService } from '../../services/reversion/service.ts';
import { SignalsService } from '../../services/signals/signals-service.ts';
import { triggerRunner } from '../../services/trigger/trigger-service.ts';
import { demoRun } from './run-topics.ts';

interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

const NAMES = ['signals', 'trigger', 'reversion'] as const;
const [arg, tag] = process.argv.slice(2);
const name = NAMES.find((n) => n === arg);
if (name === undefined || tag === undefined) {
  console.error('usage: tsx scripts/demo/service-main.ts <signals|trigger|reversion> <run tag>');
  process.exit(2);
}
const run = demoRun(tag);
const app = run.app(name);
const policyOf = (path: string | undefined): Policy =>
  path === undefined ? defaultPolicy() : parsePolicy(readFileSync(path, 'utf8'), path);

function build(name: (typeof NAMES)[number]): {
  rt: ReturnType<typeof createServiceRuntime>;
  service: Service;
} {
  if (name === 'reversion') {
    const config = loadReversionConfig();
    const rt = createServiceRuntime(config.core, run.rename);
    const { options, targets, delivery, maxPayloadBytes, tickIntervalMs } = config;
    return {
      rt,
      service: new ReversionService(rt, { options, targets, delivery, maxPayloadBytes, tickIntervalMs, app }),
    };
  }
  const config = loadConfig({
    service: name,
    extend: { BACKTRACK_POLICY: envOptionalString(), BACKTRACK_TRIGGER_HOLD_MS: envInt(0, 3_600_000, 3_000) },
  });
  const rt = createServiceRuntime(config, run.rename);
  const policy = policyOf(config.extra.BACKTRACK_POLICY);
  if (name === 'signals') return { rt, service: new SignalsService(rt, { policy, app }) };
  return { rt, service: triggerRunner(rt, { policy, app, holdMs: config.extra.BACKTRACK_TRIGGER_HOLD_MS }) };
}

const { rt, service } = build(name);
const server = await rt.metrics.serve(rt.config.metricsPort);
const shutdown = installShutdown({
  logger: rt.logger,
  steps: [
    { name, run: () => service.stop() },
    { name: 'metrics', run: () => server.close() },
  ],
});
service.done.catch(() => void shutdown.trigger('runner failed', 1));
process.stdin.once('end', () => void shutdown.trigger('the demo that started this process has gone', 0));
process.stdin.resume();
try {
  await service.start();
  rt.logger.info({ app, metricsPort: server.port }, `${name} started`);
} catch (err) {
  rt.logger.error({ err }, `${name} failed to start`);
  await shutdown.trigger('start failed', 1);
}
