/**
 * The connection of a Kafka command: brokers and schema registry from the flags (`--brokers`,
 * `--registry`) or the environment (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, and the other keys of
 * services/core/config.ts), topic names from the topology unless renamed (`--topics` or
 * BACKTRACK_TOPICS, `key=name,…`, for side-by-side environments and tests). kafkajs logs go to stderr
 * at BACKTRACK_LOG_LEVEL (default `silent`: the failure is reported once, as the command's error).
 */
import type { Command } from 'commander';
import { Codec } from '../../core/codec.ts';
import { loadConfig } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import * as k from '../../core/kafka.ts';
import { createLogger } from '../../core/logger.ts';
import { bindTopics, parseTopicRenames } from '../../core/topic-bindings.ts';
import type { TopicKey } from '../../../topology/topics.ts';
import type { ReaderDeps } from '../../ops/topic-reader.ts';
import type { CliIo } from '../cli-io.ts';
import { UsageError } from '../errors.ts';

export interface ClusterFlags {
  brokers?: string;
  registry?: string;
  topics?: string;
}

/** A lazily connected cluster; `close()` disconnects whatever was opened. */
export interface Cluster extends ReaderDeps {
  /** A connected idempotent producer with the schemas of `keys` registered. */
  producer(keys: readonly TopicKey[]): Promise<k.Producer>;
  close(): Promise<void>;
}

/** Adds the connection flags to the program (inherited by every command). */
export function addClusterFlags(program: Command): void {
  program
    .option(
      '--brokers <host:port,...>',
      'Kafka bootstrap servers (env KAFKA_BROKERS, default 127.0.0.1:9092)',
    )
    .option('--registry <url>', 'schema registry URL (env SCHEMA_REGISTRY_URL)')
    .option(
      '--topics <key=name,...>',
      'rename topics, e.g. routing=deploy.routing.staging (env BACKTRACK_TOPICS)',
    );
}

/** The `--topics` flag, parsed like BACKTRACK_TOPICS (services/core/topic-bindings.ts). */
function parseTopicsFlag(spec: string): Partial<Record<TopicKey, string>> {
  const parsed = parseTopicRenames(spec);
  if ('error' in parsed) throw new UsageError(`--topics: ${parsed.error}`);
  return parsed.renames;
}

export function openCluster(flags: ClusterFlags, io: CliIo): Cluster {
  const env = io.env ?? process.env;
  let config;
  try {
    config = loadConfig({
      service: 'cli',
      env: {
        ...env,
        ...(flags.brokers === undefined ? {} : { KAFKA_BROKERS: flags.brokers }),
        ...(flags.registry === undefined ? {} : { SCHEMA_REGISTRY_URL: flags.registry }),
        ...(flags.topics === undefined ? {} : { BACKTRACK_TOPICS: undefined }),
        BACKTRACK_LOG_LEVEL: env.BACKTRACK_LOG_LEVEL ?? 'silent',
      },
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`configuration: ${err.message}`);
    throw err;
  }
  const logger = createLogger({
    service: 'cli',
    level: config.logLevel,
    destination: { write: (s: string) => io.stderr.write(s) },
  });
  const kafka = k.createKafka(config.kafka, logger, { retries: 2, connectionTimeout: 3_000 });
  const codec = new Codec({
    ...config.registry,
    bindings: bindTopics(flags.topics === undefined ? config.topics : parseTopicsFlag(flags.topics)),
  });
  let producer: Promise<k.Producer> | undefined;
  return {
    kafka,
    codec,
    logger,
    producer(keys) {
      producer ??= (async () => {
        const p = k.createIdempotentProducer(kafka);
        await p.connect();
        return p;
      })();
      return producer.then(async (p) => {
        await codec.registerSchemas(keys.filter((key) => codec.schemaId(key) === undefined));
        return p;
      });
    },
    async close() {
      if (producer !== undefined) await (await producer.catch(() => undefined))?.disconnect();
    },
  };
}
