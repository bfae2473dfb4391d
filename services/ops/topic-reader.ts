/**
 * Bounded and tailing reads of a registry topic for operator tools (CLI, console): no committed
 * offsets, a throwaway consumer group positioned by the admin API before it joins, read_committed.
 *
 * `readTopic` reads `[fromMs, toMs]` by Kafka record timestamp: start offsets come from
 * `admin.fetchTopicOffsetsByTimestamp(fromMs)`, end offsets are the log end at the call (or the first
 * offset at `toMs + 1`), so the read always terminates. tail-topic.ts follows what is written next.
 */
import { randomUUID } from 'node:crypto';
import type { TopicKey } from '../../topology/topics.ts';
import type { Codec } from '../core/codec.ts';
import { DecodeError } from '../core/errors.ts';
import * as k from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import type { ValueOf } from '../core/wire-types.ts';
import { ClusterError } from '../cli/errors.ts';

export interface ReaderDeps {
  readonly kafka: k.Kafka;
  readonly codec: Codec;
  readonly logger: Logger;
}

/** One decoded record with its position. */
export interface TopicRecord<V> {
  readonly value: V;
  readonly key: string | null;
  readonly partition: number;
  readonly offset: string;
  /** Kafka record timestamp, epoch ms. */
  readonly timestamp: number;
}

export interface ReadRange {
  /** epoch ms, inclusive; default the start of the log */
  readonly fromMs?: number;
  /** epoch ms, inclusive; default the log end at the call */
  readonly toMs?: number;
  /** ms before the read gives up (default 30 000) */
  readonly timeoutMs?: number;
}

type Bounds = Map<number, { start: bigint; end: bigint }>;

async function boundsOf(admin: k.Admin, topic: string, range: ReadRange): Promise<Bounds> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const starts =
    range.fromMs === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, range.fromMs);
  const ends =
    range.toMs === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, range.toMs + 1);
  const bounds: Bounds = new Map();
  for (const o of offsets) {
    const start = BigInt(starts?.find((s) => s.partition === o.partition)?.offset ?? o.low);
    const endAt = BigInt(ends?.find((s) => s.partition === o.partition)?.offset ?? o.high);
    const high = BigInt(o.high);
    bounds.set(o.partition, {
      start: start < BigInt(o.low) ? BigInt(o.low) : start,
      end: endAt < high ? endAt : high,
    });
  }
  return bounds;
}

/**
 * Reads the records of `topic` in `range`, in offset order per partition (partitions one after the
 * other, by number). Undecodable records are skipped and counted in `skipped`. Throws ClusterError.
 */
export async function readTopic<K extends TopicKey>(
  deps: ReaderDeps,
  topic: K,
  range: ReadRange = {},
): Promise<{ records: TopicRecord<ValueOf<K>>[]; skipped: number }> {
  const name = deps.codec.bindings[topic].name;
  const admin = k.createAdmin(deps.kafka);
  const groupId = `backtrack-cli-${randomUUID()}`;
  try {
    await admin.connect();
    const bounds = await boundsOf(admin, name, range);
    const pending = new Map([...bounds].filter(([, b]) => b.start < b.end));
    const byPartition = new Map<number, TopicRecord<ValueOf<K>>[]>();
    const next = new Map<number, bigint>();
    let skipped = 0;
    if (pending.size > 0) {
      const consumer = k.createConsumer(deps.kafka, { groupId, maxWaitTimeInMs: 100, retries: 2 });
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new ClusterError(`reading ${name}: not done after ${range.timeoutMs ?? 30_000} ms`)),
            range.timeoutMs ?? 30_000,
          );
          const done = (): void => {
            clearTimeout(timer);
            resolve();
          };
          consumer.on(consumer.events.CRASH, ({ payload }) => {
            clearTimeout(timer);
            reject(
              new ClusterError(`reading ${name} failed: ${payload.error.message}`, { cause: payload.error }),
            );
          });
          // Positions are set by seeking when the group is joined, before the first fetch (admin.setOffsets
          // runs a whole consumer cycle, ~5 s); `next` drops anything read twice around the seek.
          consumer.on(consumer.events.GROUP_JOIN, () => {
            for (const [partition, b] of bounds)
              consumer.seek({ topic: name, partition, offset: String(b.start < b.end ? b.start : b.end) });
          });
          // Batches of only control records (transaction markers) reach this event, not eachBatch.
          consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
            const b = pending.get(payload.partition);
            if (b !== undefined && BigInt(payload.lastOffset) + 1n >= b.end)
              pending.delete(payload.partition);
            if (pending.size === 0) done();
          });
          const run = async (): Promise<void> => {
            await consumer.connect();
            await consumer.subscribe({ topic: name, fromBeginning: true });
            await consumer.run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                const b = pending.get(batch.partition);
                if (b === undefined) return;
                const out = byPartition.get(batch.partition) ?? [];
                byPartition.set(batch.partition, out);
                for (const m of batch.messages) {
                  const offset = BigInt(m.offset);
                  if (offset < (next.get(batch.partition) ?? b.start) || offset >= b.end) continue;
                  next.set(batch.partition, offset + 1n);
                  if (m.value === null) continue;
                  const timestamp = Number(m.timestamp);
                  if (range.toMs !== undefined && timestamp > range.toMs) continue;
                  try {
                    const value = structuredClone(await deps.codec.decode(topic, m.value));
                    out.push({
                      value,
                      key: m.key?.toString('utf8') ?? null,
                      partition: batch.partition,
                      offset: m.offset,
                      timestamp,
                    });
                  } catch (err) {
                    if (!(err instanceof DecodeError)) throw err;
                    skipped++;
                  }
                }
              },
            });
          };
          run().catch((err: unknown) => {
            clearTimeout(timer);
            reject(
              err instanceof ClusterError
                ? err
                : new ClusterError(`reading ${name}: ${(err as Error).message}`, { cause: err }),
            );
          });
        });
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
    }
    const records = [...byPartition.keys()].sort((a, b) => a - b).flatMap((p) => byPartition.get(p) ?? []);
    return { records, skipped };
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    throw new ClusterError(`reading ${name}: ${(err as Error).message}`, { cause: err });
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** Records ordered by Kafka timestamp, then partition and offset (a stable merge of partitions). */
export function byTimestamp<V>(records: readonly TopicRecord<V>[]): TopicRecord<V>[] {
  return [...records].sort(
    (a, b) =>
      a.timestamp - b.timestamp ||
      a.partition - b.partition ||
      (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1),
  );
}
