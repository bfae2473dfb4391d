/**
 * The adapters every service's main.ts starts from, built from its config: logger, metrics, Kafka
 * client and codec. A main then builds its StreamRunner, serves metrics and installs the shutdown:
 *
 *   const config = loadConfig({ service: 'signals', extend: { ... } });
 *   const rt = createServiceRuntime(config);
 *   const runner = new StreamRunner({ app: 'signals', inputs, outputs, processor, stores }, rt);
 *   const server = await rt.metrics.serve(config.metricsPort);
 *   const shutdown = installShutdown({ logger: rt.logger, steps: [
 *     { name: 'runner', run: () => runner.stop() }, { name: 'metrics', run: () => server.close() }] });
 *   runner.done.catch(() => shutdown.trigger('runner failed', 1));
 *   await runner.start();
 */
import type { TopicKey } from '../../topology/topics.ts';
import { Codec } from './codec.ts';
import type { CoreConfig } from './config.ts';
import { createKafka, type Kafka } from './kafka.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { bindTopics } from './topic-bindings.ts';

export interface ServiceRuntime {
  readonly config: CoreConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly kafka: Kafka;
  readonly codec: Codec;
  /** = config.stateDir */
  readonly stateDir: string;
}

/** `rename` maps registry topics to other names (side-by-side environments, tests). */
export function createServiceRuntime(
  config: CoreConfig,
  rename: Partial<Record<TopicKey, string>> = {},
): ServiceRuntime {
  const logger = createLogger({ service: config.service, level: config.logLevel });
  const metrics = new Metrics({ service: config.service });
  const kafka = createKafka(config.kafka, logger);
  const codec = new Codec({ ...config.registry, bindings: bindTopics(rename) });
  return { config, logger, metrics, kafka, codec, stateDir: config.stateDir };
}
