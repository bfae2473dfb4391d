/**
 * Broker plumbing of the benchmarks: topics with unique `bench.*` names, pre-producing encoded
 * telemetry fast (plain acks=1 producer, several requests in flight: this measures the consumers, not
 * the producer), and the committed progress of a consumer group (the throughput clock).
 */
import { randomUUID } from 'node:crypto';
import type { TelemetryEvent } from '../../schemas/types.ts';
import type { Codec } from '../../services/core/codec.ts';
import * as k from '../../services/core/kafka.ts';

export const benchName = (base: string): string => `bench.${base}.${randomUUID().slice(0, 8)}`;

export async function withAdmin<T>(kafka: k.Kafka, fn: (admin: k.Admin) => Promise<T>): Promise<T> {
  const admin = k.createAdmin(kafka);
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics, retrying while a loaded broker answers with retriable metadata errors. */
export async function createBenchTopics(
  kafka: k.Kafka,
  topics: readonly { topic: string; partitions: number; compact?: boolean }[],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdmin(kafka, (admin) =>
        admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((t) => ({
            topic: t.topic,
            numPartitions: t.partitions,
            replicationFactor: 1,
            configEntries: t.compact === true ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
          })),
        }),
      );
      return;
    } catch (error) {
      if (attempt >= 5 || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((r) => setTimeout(r, 1_000 * attempt));
    }
  }
}

export async function deleteBenchTopics(
  kafka: k.Kafka,
  topics: readonly string[],
  groups: readonly string[],
) {
  await withAdmin(kafka, async (admin) => {
    if (groups.length > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
    await admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
  });
}

/**
 * Produces the events (keyed by tenantId, Avro through the codec) in requests of `chunk` records,
 * `inFlight` at a time; returns the bytes of the encoded values.
 */
export async function produceTelemetry(
  kafka: k.Kafka,
  codec: Codec,
  topic: string,
  events: Iterable<TelemetryEvent>,
  options: { chunk?: number; inFlight?: number } = {},
): Promise<{ records: number; valueBytes: number }> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const chunk = options.chunk ?? 4_000;
  const inFlight = new Set<Promise<unknown>>();
  let records = 0;
  let valueBytes = 0;
  let messages: k.Message[] = [];
  const flush = async (): Promise<void> => {
    const p = producer.send({ topic, acks: 1, messages });
    messages = [];
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= (options.inFlight ?? 4)) await Promise.race(inFlight);
  };
  try {
    for (const e of events) {
      const value = codec.encode('telemetry', e);
      valueBytes += value.length;
      records++;
      messages.push({ key: e.tenantId, value, timestamp: String(e.timestamp) });
      if (messages.length >= chunk) await flush();
    }
    if (messages.length > 0) await flush();
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return { records, valueBytes };
}

/** Sum over partitions of the group's committed offsets on `topic` (0 for none). */
export async function committedTotal(admin: k.Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

export interface CommitClock {
  /** Wall ms of the first poll that saw a commit, and the records committed by then. */
  readonly firstAt: number;
  readonly firstCommitted: number;
  /** Wall ms of the first poll that saw everything committed. */
  readonly lastAt: number;
  readonly total: number;
  /** (total − firstCommitted) / (lastAt − firstAt), records/s. */
  readonly perSec: number;
}

/**
 * Polls the group's committed offsets every `pollMs` until they reach `total`: throughput from the
 * first to the last commit seen (start-up and group join excluded).
 */
export async function watchCommits(
  admin: k.Admin,
  groupId: string,
  topic: string,
  total: number,
  timeoutMs: number,
  pollMs = 100,
): Promise<CommitClock> {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; committed: number } | undefined;
  for (;;) {
    const committed = await committedTotal(admin, groupId, topic);
    const at = performance.now();
    if (committed > 0 && first === undefined) first = { at, committed };
    if (committed >= total && first !== undefined) {
      const seconds = Math.max(1e-3, (at - first.at) / 1000);
      return {
        firstAt: first.at,
        firstCommitted: first.committed,
        lastAt: at,
        total,
        perSec: Math.round((total - first.committed) / seconds),
      };
    }
    if (Date.now() > deadline)
      throw new Error(`group ${groupId}: ${committed} of ${total} committed after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
