/**
 * The adapters every service's main.ts starts from, built from its config: logger, metrics, Kafka
 * client and codec. A main then builds its StreamRunner, serves metrics and installs the shutdown:
 *
 *   const config = loadConfig({ service: 'signals', extend: { ... } });
 *   const rt = createServiceRuntime(config);
 *   const runner = new StreamRunner({ ...rt.names, inputs, outputs, processor, stores }, rt);
 *   const server = await rt.metrics.serve(config.metricsPort);
 *   const shutdown = installShutdown({ logger: rt.logger, steps: [
 *     { name: 'runner', run: () => runner.stop() }, { name: 'metrics', run: () => server.close() }] });
 *   runner.done.catch(() => shutdown.trigger('runner failed', 1));
 *   await runner.start();
 *
 * Topic names come from BACKTRACK_TOPICS, group and changelog names from BACKTRACK_APP_ID (`rt.names`).
 */
import type { TopicKey } from '../../topology/topics.ts';
import { Codec } from './codec.ts';
import type { CoreConfig } from './config.ts';
import { createKafka, type Kafka } from './kafka.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { bindTopics, serviceNames, type ServiceNames } from './topic-bindings.ts';

export interface ServiceRuntime {
  readonly config: CoreConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly kafka: Kafka;
  readonly codec: Codec;
  /** = config.stateDir */
  readonly stateDir: string;
  /** The runner's app, group id and changelog names of `config.service` in `config.appId`. */
  readonly names: ServiceNames;
}

/** `rename` maps registry topics to other names (default `config.topics`, i.e. BACKTRACK_TOPICS). */
export function createServiceRuntime(
  config: CoreConfig,
  rename: Partial<Record<TopicKey, string>> = config.topics,
): ServiceRuntime {
  const logger = createLogger({ service: config.service, level: config.logLevel });
  const metrics = new Metrics({ service: config.service });
  const kafka = createKafka(config.kafka, logger);
  const codec = new Codec({ ...config.registry, bindings: bindTopics(rename) });
  const names = serviceNames(config.appId, config.service);
  return { config, logger, metrics, kafka, codec, stateDir: config.stateDir, names };
}
