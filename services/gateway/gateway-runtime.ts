/**
 * What a gateway process (or the simulator, or a test) needs before it can produce telemetry and
 * follow routing: config from the environment, logger, metrics, a Kafka client and the codec bound to
 * the topic names in use.
 */
import { bindTopics } from '../core/topic-bindings.ts';
import { Codec } from '../core/codec.ts';
import { loadConfig, type CoreConfig, type LogLevel } from '../core/config.ts';
import { createKafka, type Kafka } from '../core/kafka.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { Metrics } from '../core/metrics.ts';
import type { TopicKey } from '../../topology/topics.ts';

export interface GatewayRuntime {
  readonly config: CoreConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly kafka: Kafka;
  readonly codec: Codec;
}

export interface GatewayRuntimeOptions {
  /** Logger `service` field and metrics label. Default `gateway`. */
  readonly service?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Topic names replacing the registry's (tests use unique names per run). */
  readonly topics?: Partial<Record<TopicKey, string>>;
  /** Overrides BACKTRACK_LOG_LEVEL. */
  readonly logLevel?: LogLevel;
  /** Process metrics (event loop, heap); off in tests. Default true. */
  readonly defaultMetrics?: boolean;
}

export function createGatewayRuntime(options: GatewayRuntimeOptions = {}): GatewayRuntime {
  const service = options.service ?? 'gateway';
  const config = loadConfig({ service, ...(options.env ? { env: options.env } : {}) });
  const logger = createLogger({ service, level: options.logLevel ?? config.logLevel });
  const metrics = new Metrics({ service, defaultMetrics: options.defaultMetrics ?? true });
  const kafka = createKafka(config.kafka, logger);
  const codec = new Codec({ ...config.registry, bindings: bindTopics(options.topics ?? {}) });
  return { config, logger, metrics, kafka, codec };
}
