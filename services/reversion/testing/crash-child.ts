/**
 * Integration-test support: the reversion service in a child process on renamed topics, so a test can
 * SIGKILL it. `node --import tsx crash-child.ts '<json ChildSpec>'`; prints `started` once running,
 * stops gracefully on SIGTERM. With `crashOn: marker` it kills itself (SIGKILL) at the first
 * transaction whose routing commands contain `marker` (e.g. a decision id), after they were sent and
 * before the commit: the worst moment, records in the log but their transaction open.
 */
import type { Producer, ProducerConfig, Transaction } from 'kafkajs';
import type { TopicKey } from '../../../topology/topics.ts';
import { Codec } from '../../core/codec.ts';
import { loadConfig } from '../../core/config.ts';
import { createKafka } from '../../core/kafka.ts';
import { createLogger } from '../../core/logger.ts';
import { Metrics } from '../../core/metrics.ts';
import { bindTopics } from '../../core/topic-bindings.ts';
import { DEFAULT_DELIVERY } from '../webhook-delivery.ts';
import { ReversionService } from '../service.ts';

export interface ChildSpec {
  readonly rename: Partial<Record<TopicKey, string>>;
  readonly app: string;
  readonly groupId: string;
  readonly stateDir: string;
  readonly crashOn?: string;
  readonly sessionTimeoutMs?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
const config = loadConfig({
  service: 'reversion',
  env: { ...process.env, BACKTRACK_LOG_LEVEL: process.env.BACKTRACK_LOG_LEVEL ?? 'error' },
});
const logger = createLogger({ service: 'reversion', level: config.logLevel });
const kafka = createKafka(config.kafka, logger, { retries: 3 });
const bindings = bindTopics(spec.rename);
const codec = new Codec({ ...config.registry, bindings });

if (spec.crashOn !== undefined) {
  const marker = spec.crashOn;
  const routingTopic = bindings.routing.name;
  const original = kafka.producer.bind(kafka);
  kafka.producer = (cfg?: ProducerConfig): Producer => {
    const producer = original(cfg);
    if (cfg?.transactionalId === undefined) return producer;
    const begin = producer.transaction.bind(producer);
    producer.transaction = async (): Promise<Transaction> => {
      const tx = await begin();
      let routed = false;
      const sendBatch = tx.sendBatch.bind(tx);
      tx.sendBatch = (batch) => {
        const hit = batch.topicMessages?.some(
          (t) =>
            t.topic === routingTopic &&
            t.messages.some((m) => Buffer.isBuffer(m.value) && m.value.includes(marker)),
        );
        if (hit === true) routed = true;
        return sendBatch(batch);
      };
      const commit = tx.commit.bind(tx);
      tx.commit = async () => {
        if (routed) {
          process.stdout.write('crashing\n');
          process.kill(process.pid, 'SIGKILL');
          await new Promise(() => undefined);
        }
        return commit();
      };
      return tx;
    };
    return producer;
  };
}

const service = new ReversionService(
  {
    kafka,
    codec,
    logger,
    metrics: new Metrics({ service: 'reversion', defaultMetrics: false }),
    stateDir: spec.stateDir,
  },
  {
    options: {},
    targets: [],
    delivery: DEFAULT_DELIVERY,
    maxPayloadBytes: 16_384,
    tickIntervalMs: 500,
    app: spec.app,
    groupId: spec.groupId,
    ...(spec.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: spec.sessionTimeoutMs }),
  },
);
process.on('SIGTERM', () => {
  void service.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
await service.start();
process.stdout.write('started\n');
