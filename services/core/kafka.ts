/**
 * The one module that imports kafkajs (unmaintained since 2023): client, producers, admin and
 * consumers built from config, kafkajs logs routed to pino. Everything else uses the types re-exported
 * here, so replacing the client touches one file.
 */
import { readFileSync } from 'node:fs';
import {
  AssignerProtocol,
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type LogEntry,
  type PartitionAssigner,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { KafkaSettings } from './config.ts';
import { ConfigError } from './errors.ts';
import type { Logger } from './logger.ts';
import { retry } from './retry.ts';

export type {
  Admin,
  Consumer,
  EachBatchPayload,
  IHeaders,
  KafkaMessage,
  Message,
  Producer,
  RecordMetadata,
  TopicMessages,
  Transaction,
} from 'kafkajs';
export type { Kafka };
export { AssignerProtocol };

export interface ClientTuning {
  /** ms; a single local broker answers in well under a second. */
  readonly connectionTimeout?: number;
  readonly requestTimeout?: number;
  /** Retries of kafkajs' own retrier (per request). */
  readonly retries?: number;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function sasl(settings: KafkaSettings): SASLOptions | undefined {
  const s = settings.sasl;
  if (s === undefined) return undefined;
  if (s.mechanism === 'plain') return { mechanism: 'plain', username: s.username, password: s.password };
  if (s.mechanism === 'scram-sha-256')
    return { mechanism: 'scram-sha-256', username: s.username, password: s.password };
  return { mechanism: 'scram-sha-512', username: s.username, password: s.password };
}

/**
 * kafkajs logs every failed request at error level from `Connection`, though it retries them (a group
 * rebalancing, a transaction still completing); the caller sees the error if retries run out. And it
 * warns that bounded retries weaken idempotence: here a failed send fails the batch, which is then
 * re-processed (at-least-once) or aborted with its transaction (exactly-once), so the bound is wanted.
 */
function quieter(namespace: string, message: string): 'warn' | 'debug' | undefined {
  if (namespace === 'Connection') return 'warn';
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  return undefined;
}

/** The PEM text of the CA file; a ConfigError naming KAFKA_SSL_CA_PATH when unreadable or not PEM. */
function readCa(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`KAFKA_SSL_CA_PATH: cannot read the file (${code}), got ${JSON.stringify(path)}`, {
      cause,
    });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new ConfigError(
      `KAFKA_SSL_CA_PATH: expected a PEM file with a certificate, got ${JSON.stringify(path)}`,
    );
  return text;
}

/**
 * A kafkajs client; its logs (warn and above) go to `logger` with the kafkajs namespace. Throws a
 * ConfigError when the CA file of `settings.ssl` is unusable.
 */
export function createKafka(settings: KafkaSettings, logger: Logger, tuning: ClientTuning = {}): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  const auth = sasl(settings);
  const ca = settings.ssl?.caPath === undefined ? undefined : [readCa(settings.ssl.caPath)];
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ...(settings.ssl === undefined ? {} : { ssl: ca === undefined ? true : { ca } }),
    ...(auth === undefined ? {} : { sasl: auth }),
    connectionTimeout: tuning.connectionTimeout ?? 3_000,
    requestTimeout: tuning.requestTimeout ?? 30_000,
    retry: { retries: tuning.retries ?? 5, initialRetryTime: 100, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = entry;
        log[quieter(namespace, message) ?? levels[level] ?? 'warn']({ namespace, ...rest }, message);
      },
  });
}

const partitioner = Partitioners.DefaultPartitioner;

/** Idempotent producer (acks=all, one in-flight request): no duplicates or reordering on retry. */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: partitioner });
}

/**
 * Transactional producer for consume→produce→commit in one transaction. The id must be stable for the
 * unit of work it owns (one per input partition) so a new owner fences the old one.
 *
 * Retries start at 20 ms: the first send of a transaction that follows another at once is refused with
 * CONCURRENT_TRANSACTIONS while the coordinator still writes the previous one's markers, which takes a
 * few ms; the client-wide 100 ms first retry added ~100–300 ms to every back-to-back commit (trigger and
 * reversion), the Java client's fix for the same wait (KAFKA-5477). Nine retries keep the patience
 * of the defaults (≈ 10 s in all).
 */
export function createTransactionalProducer(
  kafka: Kafka,
  transactionalId: string,
  timeoutMs = 30_000,
): Producer {
  return kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: timeoutMs,
    createPartitioner: partitioner,
    retry: { initialRetryTime: 20, retries: 9 },
  });
}

export function createAdmin(kafka: Kafka): Admin {
  return kafka.admin();
}

export interface ConsumerOptions {
  readonly groupId: string;
  /** Only committed transactional records; on by default. */
  readonly readCommitted?: boolean;
  /** ms */
  readonly sessionTimeout?: number;
  readonly heartbeatInterval?: number;
  /** Give partition p of every subscribed topic to the same member (co-partitioned joins). */
  readonly copartitioned?: boolean;
  readonly maxWaitTimeInMs?: number;
  readonly retries?: number;
  /** Largest batch fetched per partition, bytes (kafkajs default 1 MiB). */
  readonly maxBytesPerPartition?: number;
  /** Largest fetch response over all partitions, bytes (kafkajs default 10 MiB). */
  readonly maxBytes?: number;
}

export function createConsumer(kafka: Kafka, options: ConsumerOptions): Consumer {
  return kafka.consumer({
    groupId: options.groupId,
    readUncommitted: options.readCommitted === false,
    sessionTimeout: options.sessionTimeout ?? 10_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: options.heartbeatInterval ?? 1_000,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
    allowAutoTopicCreation: false,
    retry: { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 5_000 },
    ...(options.copartitioned === true ? { partitionAssigners: [copartitionedAssigner] } : {}),
    ...(options.maxBytesPerPartition === undefined
      ? {}
      : { maxBytesPerPartition: options.maxBytesPerPartition }),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  });
}

/** Assigns partition numbers round-robin to members; every topic's partition p goes to one member. */
export const copartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'BacktrackCopartitionedAssigner',
  version: 0,
  async assign({ members, topics }) {
    const memberIds = members.map((m) => m.memberId).sort();
    const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const owner = assignment.get(memberIds[partitionId % memberIds.length] ?? '');
        if (owner !== undefined) (owner[topic] ??= []).push(partitionId);
      }
    }
    return [...assignment].map(([memberId, topicPartitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: topicPartitions,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'BacktrackCopartitionedAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});

export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still in the log. */
  readonly low: string;
  /** Offset the next record will get (log end). */
  readonly high: string;
}

/**
 * Low and high watermarks of every partition of a topic. Retries what the broker calls retriable
 * (e.g. NOT_LEADER_OR_FOLLOWER for a moment after the topic was created), which kafkajs does not.
 */
export async function topicOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  const offsets = await retry(() => admin.fetchTopicOffsets(topic));
  return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
}
