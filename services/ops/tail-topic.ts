/**
 * Following a registry topic from its current end (e.g. `rollouts abort --wait` watching the routing and
 * audit topics): a throwaway group, positioned by seeking when it joins, read_committed, no commits.
 */
import { randomUUID } from 'node:crypto';
import type { TopicKey } from '../../topology/topics.ts';
import { DecodeError } from '../core/errors.ts';
import * as k from '../core/kafka.ts';
import type { ValueOf } from '../core/wire-types.ts';
import { ClusterError } from '../cli/errors.ts';
import type { ReaderDeps, TopicRecord } from './topic-reader.ts';

/** A running tail; `stop()` disconnects and deletes its group. */
export interface Tail {
  stop(): Promise<void>;
}

/**
 * Delivers every record written to `topic` after this call is made (positions are the log end at the
 * call); resolves once the consumer joined its group, so a write that follows is seen promptly.
 */
export async function tailTopic<K extends TopicKey>(
  deps: ReaderDeps,
  topic: K,
  onRecord: (r: TopicRecord<ValueOf<K>>) => void,
): Promise<Tail> {
  const name = deps.codec.bindings[topic].name;
  const groupId = `backtrack-cli-tail-${randomUUID()}`;
  const admin = k.createAdmin(deps.kafka);
  const consumer = k.createConsumer(deps.kafka, { groupId, maxWaitTimeInMs: 20, retries: 2 });
  const stop = async (): Promise<void> => {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  };
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(name);
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const o of offsets) consumer.seek({ topic: name, partition: o.partition, offset: o.high });
        resolve();
      }),
    );
    await consumer.connect();
    await consumer.subscribe({ topic: name, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message: m, partition }) => {
        const from = BigInt(offsets.find((o) => o.partition === partition)?.high ?? '0');
        if (m.value === null || BigInt(m.offset) < from) return;
        try {
          const value = structuredClone(await deps.codec.decode(topic, m.value));
          onRecord({
            value,
            key: m.key?.toString('utf8') ?? null,
            partition,
            offset: m.offset,
            timestamp: Number(m.timestamp),
          });
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
        }
      },
    });
    await joined;
  } catch (err) {
    await stop();
    throw new ClusterError(`tailing ${name}: ${(err as Error).message}`, { cause: err });
  }
  return { stop };
}
