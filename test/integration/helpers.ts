/**
 * Shared setup of the integration tests: the real broker and registry (KAFKA_BROKERS and
 * SCHEMA_REGISTRY_URL, defaulting to the local infra), unique topic names per run, topic
 * create/delete, and waiting helpers. Tests never mock Kafka or the registry.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Codec } from '../../services/core/codec.ts';
import { loadConfig, type CoreConfig } from '../../services/core/config.ts';
import * as k from '../../services/core/kafka.ts';
import { createLogger, type Logger } from '../../services/core/logger.ts';
import { Metrics } from '../../services/core/metrics.ts';
import { bindTopics, type TopicBindings } from '../../services/core/topic-bindings.ts';
import type { TopicKey } from '../../topology/topics.ts';
import { waitForLeaders } from '../../topology/apply.ts';
import { UnavailableError } from '../../services/core/errors.ts';
import type { Processor, ProcessorFactory } from '../../services/core/processor.ts';
import type { ProcessorContext } from '../../services/core/processor-context.ts';
import { jsonSerde, stringSerde } from '../../services/core/stores/serde.ts';
import { TypedStore } from '../../services/core/stores/typed-store.ts';
import type { EvalEvent, TelemetryEvent } from '../../schemas/index.ts';

/** 8 hex chars, unique per test process. */
export const runId = randomUUID().slice(0, 8);
let counter = 0;

/** A topic name no other run uses: `test.<base>.<run>.<n>`. */
export const uniqueName = (base: string): string => `test.${base}.${runId}.${counter++}`;

export interface TestRuntime {
  readonly config: CoreConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly kafka: k.Kafka;
  readonly codec: Codec;
  readonly bindings: TopicBindings;
  readonly stateDir: string;
}

/** Config from the environment (defaults: local infra), quiet logs unless BACKTRACK_LOG_LEVEL says otherwise. */
export function testRuntime(service: string, rename: Partial<Record<TopicKey, string>> = {}): TestRuntime {
  const config = loadConfig({
    service,
    env: { ...process.env, BACKTRACK_LOG_LEVEL: process.env.BACKTRACK_LOG_LEVEL ?? 'error' },
  });
  const logger = createLogger({ service, level: config.logLevel });
  const metrics = new Metrics({ service, defaultMetrics: false });
  const kafka = k.createKafka(config.kafka, logger, { retries: 3 });
  const bindings = bindTopics(rename);
  const codec = new Codec({ ...config.registry, bindings });
  const stateDir = mkdtempSync(join(tmpdir(), `backtrack-${service}-`));
  return { config, logger, metrics, kafka, codec, bindings, stateDir };
}

export interface TopicToCreate {
  readonly topic: string;
  readonly partitions?: number;
  readonly compact?: boolean;
}

export async function createTopics(kafka: k.Kafka, topics: readonly TopicToCreate[]): Promise<void> {
  const admin = k.createAdmin(kafka);
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions ?? 1,
        replicationFactor: 1,
        configEntries: t.compact === true ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
    await waitForLeaders(
      admin,
      topics.map((t) => t.topic),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics (and consumer groups) a test made; errors are ignored. */
export async function cleanup(
  kafka: k.Kafka,
  topics: readonly string[],
  groups: readonly string[] = [],
): Promise<void> {
  const admin = k.createAdmin(kafka);
  await admin.connect();
  try {
    if (groups.length > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
    if (topics.length > 0) await admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Polls `check` every 50 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads `n` records of a topic from the beginning (read_committed) with a throwaway group. */
export async function readTopic(
  kafka: k.Kafka,
  topic: string,
  n: number,
  timeoutMs = 20_000,
): Promise<k.KafkaMessage[]> {
  const groupId = `test-reader-${randomUUID()}`;
  const consumer = k.createConsumer(kafka, { groupId, maxWaitTimeInMs: 100 });
  const got: k.KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        got.push(...batch.messages);
      },
    });
    await waitFor(() => got.length >= n, `${n} records on ${topic} (got ${got.length})`, timeoutMs);
  } finally {
    await consumer.disconnect();
    await cleanup(kafka, [], [groupId]);
  }
  return got;
}

/** The value of a counter (with these exact labels) in a Metrics registry. */
export async function counterValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) =>
    Object.entries(labels).every(([key, val]) => v.labels[key] === val),
  );
  return match?.value ?? 0;
}

/** A valid TelemetryEvent; `overrides` replace fields. */
export function telemetryEvent(i: number, overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    eventId: `evt-${runId}-${i}`,
    timestamp: 1_750_000_000_000 + i * 1_000,
    tenantId: `tenant-${i % 3}`,
    tenantTier: 'pro',
    gatewayId: 'gw-1',
    sessionId: i % 2 === 0 ? `s-${i}` : null,
    bundleId: 'b-0123456789abcdef',
    arm: i % 4 === 0 ? 'canary' : 'stable',
    latencyMs: 100 + i,
    timeToFirstTokenMs: null,
    inputTokens: 10 * i,
    outputTokens: 20,
    costUsd: 0.0012,
    outcome: 'ok',
    toolCallsAttempted: 1,
    toolCallsSucceeded: 1,
    outputChars: 420,
    refusal: false,
    retried: false,
    feedback: 'none',
    taskCompleted: true,
    policyViolation: false,
    piiScore: null,
    toxicity: 0.01,
    ...overrides,
  };
}

/**
 * Counts events per tenant in store `counts` and forwards one EvalEvent per event with
 * `evaluator: count=<n>`; throws a retriable error once at each event id in `failOnce`.
 */
export function countingProcessor(failOnce: Set<string>): ProcessorFactory<'telemetry'> {
  return (): Processor<'telemetry'> => {
    let ctx: ProcessorContext;
    let counts: TypedStore<string, number>;
    return {
      init(context) {
        ctx = context;
        counts = new TypedStore(ctx.store('counts'), stringSerde, jsonSerde<number>());
      },
      async process(r) {
        const n = ((await counts.get(r.value.tenantId)) ?? 0) + 1;
        await counts.put(r.value.tenantId, n);
        ctx.forward('evals', r.value.tenantId, {
          evalId: r.value.eventId,
          timestamp: r.value.timestamp,
          tenantId: r.value.tenantId,
          requestEventId: r.value.eventId,
          bundleId: r.value.bundleId,
          baselineBundleId: r.value.bundleId,
          arm: r.value.arm,
          judgeScore: 1,
          semanticSimilarity: null,
          evaluator: `count=${n}`,
        });
        if (failOnce.delete(r.value.eventId))
          throw new UnavailableError(`injected failure at ${r.value.eventId}`);
      },
      close: () => undefined,
    };
  };
}

/** Per tenant, the counts carried by the outputs of `countingProcessor`, in output order. */
export function countsByTenant(outputs: readonly EvalEvent[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const o of outputs)
    out.set(o.tenantId, [...(out.get(o.tenantId) ?? []), Number(o.evaluator.slice('count='.length))]);
  return out;
}
