/**
 * console: `tsx services/console/main.ts` — the HTTP API and dashboard over alert scores, decisions,
 * approvals, audit, rollouts and routing. Environment: the core's keys plus those of config.ts
 * (BACKTRACK_CONSOLE_TOKENS required). /metrics and /healthz are served on the console's port. Its
 * feed reads with a fresh group per instance, `<BACKTRACK_APP_ID>-console-<uuid>`.
 */
import { randomUUID } from 'node:crypto';
import { createServiceRuntime } from '../core/service-runtime.ts';
import { installShutdown } from '../core/shutdown.ts';
import { loadConsoleConfig } from './config.ts';
import { ConsoleService } from './service.ts';

const config = loadConsoleConfig();
const rt = createServiceRuntime(config.core);
const service = new ConsoleService(rt, {
  tokens: config.tokens,
  limits: config.limits,
  port: config.port,
  host: config.host,
  groupId: `${rt.names.groupId}-${randomUUID()}`,
});
const shutdown = installShutdown({
  logger: rt.logger,
  exitOnStdinEof: config.core.exitOnStdinEof,
  steps: [{ name: 'console', run: () => service.stop() }],
});
try {
  await service.start();
  rt.logger.info(
    { url: service.url, tokens: config.tokens.map((t) => ({ name: t.name, role: t.role })) },
    'console started',
  );
} catch (err) {
  rt.logger.error({ err }, 'console failed to start');
  await shutdown.trigger('start failed', 1);
}
