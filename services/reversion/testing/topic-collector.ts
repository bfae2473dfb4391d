/**
 * Integration-test support: reads a registry topic from the beginning (read_committed, as gateways
 * and auditors do) and keeps every decoded record with the wall time it arrived.
 */
import { randomUUID } from 'node:crypto';
import type { TopicKey } from '../../../topology/topics.ts';
import type { Codec } from '../../core/codec.ts';
import * as k from '../../core/kafka.ts';
import type { ValueOf } from '../../core/wire-types.ts';

export interface Collected<K extends TopicKey> {
  readonly value: ValueOf<K>;
  readonly key: string | null;
  readonly partition: number;
  readonly offset: string;
  /** Kafka record timestamp, epoch ms. */
  readonly timestamp: number;
  /** Wall clock when this reader got it, epoch ms. */
  readonly receivedAt: number;
}

export class TopicCollector<K extends TopicKey> {
  readonly records: Collected<K>[] = [];
  readonly groupId = `test-collector-${randomUUID()}`;
  readonly #consumer: k.Consumer;

  constructor(
    kafka: k.Kafka,
    private readonly codec: Codec,
    private readonly topic: K,
  ) {
    this.#consumer = k.createConsumer(kafka, { groupId: this.groupId, maxWaitTimeInMs: 50 });
  }

  get values(): ValueOf<K>[] {
    return this.records.map((r) => r.value);
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.codec.bindings[this.topic].name], fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        const receivedAt = Date.now();
        const value = structuredClone(await this.codec.decode(this.topic, message.value));
        this.records.push({
          value,
          key: message.key?.toString('utf8') ?? null,
          partition,
          offset: message.offset,
          timestamp: Number(message.timestamp),
          receivedAt,
        });
      },
    });
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }
}
