/**
 * signals: telemetry + evals (keyed by tenant) → windowed per-tenant state → SignalSnapshots on
 * alert.signals.v1 (keyed by rollout). Environment: the core's (KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
 * BACKTRACK_STATE_DIR, BACKTRACK_METRICS_PORT, BACKTRACK_APP_ID, BACKTRACK_TOPICS, ...) plus
 * BACKTRACK_POLICY (policy YAML; default the built-in policy), BACKTRACK_SIGNALS_CACHE_TENANTS and
 * BACKTRACK_SIGNALS_PARTITIONS_CONCURRENTLY.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../core/config.ts';
import { envInt, envOptionalString } from '../core/env-schema.ts';
import { createServiceRuntime } from '../core/service-runtime.ts';
import { installShutdown } from '../core/shutdown.ts';
import { defaultPolicy, parsePolicy } from '../detect/policy/index.ts';
import { SignalsService } from './signals-service.ts';

const config = loadConfig({
  service: 'signals',
  extend: {
    BACKTRACK_POLICY: envOptionalString(),
    BACKTRACK_SIGNALS_CACHE_TENANTS: envInt(0, 10_000_000, 5_000),
    BACKTRACK_SIGNALS_PARTITIONS_CONCURRENTLY: envInt(1, 64, 2),
  },
});
const policyPath = config.extra.BACKTRACK_POLICY;
const policy =
  policyPath === undefined ? defaultPolicy() : parsePolicy(readFileSync(policyPath, 'utf8'), policyPath);
const rt = createServiceRuntime(config);
const service = new SignalsService(rt, {
  ...rt.names,
  policy,
  cacheTenants: config.extra.BACKTRACK_SIGNALS_CACHE_TENANTS,
  partitionsConcurrently: config.extra.BACKTRACK_SIGNALS_PARTITIONS_CONCURRENTLY,
});
const server = await rt.metrics.serve(config.metricsPort);
const shutdown = installShutdown({
  logger: rt.logger,
  exitOnStdinEof: config.exitOnStdinEof,
  steps: [
    { name: 'signals', run: () => service.stop() },
    { name: 'metrics', run: () => server.close() },
  ],
});
service.done.catch(() => shutdown.trigger('runner failed', 1));
try {
  await service.start();
  rt.logger.info(
    { policy: policyPath ?? 'default', group: rt.names.groupId, metricsPort: server.port },
    'signals started',
  );
} catch (err) {
  rt.logger.error({ err }, 'signals failed to start');
  await shutdown.trigger('start failed', 1);
}
