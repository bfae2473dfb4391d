/**
 * trigger: signal snapshots + rollout commands (keyed by rollout) → ALERT scores on alert.scores.v1
 * and rollback decisions on rollback.decisions.v1, exactly-once. Environment: the core's
 * (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, BACKTRACK_STATE_DIR, BACKTRACK_METRICS_PORT, BACKTRACK_APP_ID,
 * BACKTRACK_TOPICS, ...) plus
 * BACKTRACK_POLICY (policy YAML; default the built-in policy) and BACKTRACK_TRIGGER_HOLD_MS (wall-clock
 * ms an incomplete window waits for tenants that went quiet before it is decided anyway, default 3 000;
 * a complete window is decided at once).
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../core/config.ts';
import { envInt, envOptionalString } from '../core/env-schema.ts';
import { createServiceRuntime } from '../core/service-runtime.ts';
import { installShutdown } from '../core/shutdown.ts';
import { defaultPolicy, parsePolicy } from '../detect/policy/index.ts';
import { triggerRunner } from './trigger-service.ts';

const config = loadConfig({
  service: 'trigger',
  extend: { BACKTRACK_POLICY: envOptionalString(), BACKTRACK_TRIGGER_HOLD_MS: envInt(0, 3_600_000, 3_000) },
});
const policyPath = config.extra.BACKTRACK_POLICY;
const policy =
  policyPath === undefined ? defaultPolicy() : parsePolicy(readFileSync(policyPath, 'utf8'), policyPath);
const rt = createServiceRuntime(config);
const runner = triggerRunner(rt, { ...rt.names, policy, holdMs: config.extra.BACKTRACK_TRIGGER_HOLD_MS });
const server = await rt.metrics.serve(config.metricsPort);
const shutdown = installShutdown({
  logger: rt.logger,
  exitOnStdinEof: config.exitOnStdinEof,
  steps: [
    { name: 'runner', run: () => runner.stop() },
    { name: 'metrics', run: () => server.close() },
  ],
});
runner.done.catch(() => shutdown.trigger('runner failed', 1));
try {
  await runner.start();
  rt.logger.info(
    { policy: policyPath ?? 'default', group: rt.names.groupId, metricsPort: server.port },
    'trigger started',
  );
} catch (err) {
  rt.logger.error({ err }, 'trigger failed to start');
  await shutdown.trigger('start failed', 1);
}
