/**
 * The reversion service: `tsx services/reversion/main.ts`, configured by the environment (config.ts).
 * Only wiring: config → runtime → service → metrics endpoint → graceful shutdown.
 */
import { createServiceRuntime } from '../core/service-runtime.ts';
import { installShutdown } from '../core/shutdown.ts';
import { loadReversionConfig } from './config.ts';
import { ReversionService } from './service.ts';

const config = loadReversionConfig();
const rt = createServiceRuntime(config.core);
rt.logger.info(
  { webhooks: config.targets.map((t) => ({ kind: t.kind, host: t.host })), tickMs: config.tickIntervalMs },
  'reversion configured',
);
const service = new ReversionService(rt, {
  ...rt.names,
  options: config.options,
  targets: config.targets,
  delivery: config.delivery,
  maxPayloadBytes: config.maxPayloadBytes,
  tickIntervalMs: config.tickIntervalMs,
});
const server = await rt.metrics.serve(config.core.metricsPort);
const shutdown = installShutdown({
  logger: rt.logger,
  exitOnStdinEof: config.core.exitOnStdinEof,
  steps: [
    { name: 'reversion', run: () => service.stop() },
    { name: 'metrics', run: () => server.close() },
  ],
});
service.done.catch(() => void shutdown.trigger('runner failed', 1));
try {
  await service.start();
  rt.logger.info({ group: rt.names.groupId, metricsPort: server.port }, 'reversion started');
} catch (err) {
  rt.logger.error({ err }, 'reversion failed to start');
  await shutdown.trigger('start failed', 1);
}
