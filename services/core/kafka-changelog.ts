/**
 * Changelog topics over Kafka: the writer sends through whatever sender the runtime sets (the
 * idempotent producer, or the current transaction in exactly-once mode); the reader replays a
 * partition with a short-lived consumer of its own group, sought to the start offset.
 */
import { randomUUID } from 'node:crypto';
import { createConsumer, topicOffsets, type Admin, type Kafka } from './kafka.ts';
import type { Logger } from './logger.ts';
import { chunkBySize, type Sender } from './send.ts';
import type { ChangelogReader, ChangelogRecord, ChangelogWriter } from './stores/changelog.ts';
import type { KeyValueWrite } from './stores/key-value-store.ts';
import { ProgrammerError, UnavailableError } from './errors.ts';

export class SenderChangelogWriter implements ChangelogWriter {
  /** Set by the runtime before each flush. */
  sender: Sender | undefined;

  async send(topic: string, partition: number, records: readonly KeyValueWrite[]): Promise<bigint> {
    if (this.sender === undefined)
      throw new ProgrammerError(`changelog ${topic}: no sender set before flush`);
    let last = -1n;
    for (const chunk of chunkBySize(records.map(({ key, value }) => ({ key, value, partition })))) {
      const meta = await this.sender.sendBatch({ topicMessages: [{ topic, messages: chunk }], acks: -1 });
      const m = meta.find((x) => x.topicName === topic && x.partition === partition);
      if (m?.baseOffset === undefined)
        throw new UnavailableError(`changelog ${topic}/${partition}: no offset in the produce response`);
      last = BigInt(m.baseOffset) + BigInt(chunk.length) - 1n;
    }
    return last;
  }
}

export interface ReaderOptions {
  /** Prefix of the throwaway consumer groups. */
  readonly groupPrefix: string;
  /** ms before a restore is declared stuck. */
  readonly timeoutMs?: number;
}

export class KafkaChangelogReader implements ChangelogReader {
  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly logger: Logger,
    private readonly options: ReaderOptions,
  ) {}

  async bounds(topic: string, partition: number): Promise<{ low: bigint; high: bigint }> {
    const p = (await topicOffsets(this.admin, topic)).find((o) => o.partition === partition);
    if (p === undefined) throw new UnavailableError(`changelog ${topic} has no partition ${partition}`);
    return { low: BigInt(p.low), high: BigInt(p.high) };
  }

  async read(
    topic: string,
    partition: number,
    from: bigint,
    to: bigint,
    apply: (records: readonly ChangelogRecord[]) => Promise<void>,
  ): Promise<void> {
    if (from >= to) return;
    const groupId = `${this.options.groupPrefix}-restore-${randomUUID()}`;
    const consumer = createConsumer(this.kafka, { groupId, maxWaitTimeInMs: 100 });
    let finish!: () => void;
    let fail!: (e: unknown) => void;
    const done = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
    const timer = setTimeout(
      () =>
        fail(
          new UnavailableError(
            `restoring ${topic}/${partition} took over ${this.options.timeoutMs ?? 120_000} ms`,
          ),
        ),
      this.options.timeoutMs ?? 120_000,
    );
    const offEnd = consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.partition === partition && BigInt(payload.lastOffset) + 1n >= to) finish();
    });
    const offCrash = consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          if (batch.partition !== partition) return;
          const records: ChangelogRecord[] = [];
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (offset >= from && offset < to && m.key !== null)
              records.push({ key: m.key, value: m.value, offset });
          }
          if (records.length > 0) await apply(records);
          await heartbeat();
        },
      });
      consumer.seek({ topic, partition, offset: from.toString() });
      const all = await topicOffsets(this.admin, topic);
      const others = all.map((o) => o.partition).filter((p) => p !== partition);
      if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
      await done;
      this.logger.debug({ topic, partition, from: String(from), to: String(to) }, 'changelog replayed');
    } finally {
      clearTimeout(timer);
      offEnd();
      offCrash();
      await consumer.disconnect().catch(() => undefined);
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }
}
