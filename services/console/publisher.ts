/**
 * Sends what humans decide on the console: approvals to rollback.approvals.v1 and rollout commands
 * to deploy.rollouts.v1, keyed by rolloutId, with an idempotent producer (acks=all). `start()`
 * registers both value schemas; a send resolves once the broker has the record.
 */
import type { Approval, RolloutCommand } from '../../schemas/types.ts';
import type { Codec } from '../core/codec.ts';
import * as k from '../core/kafka.ts';

export interface CommandSink {
  sendApproval(a: Approval): Promise<void>;
  sendRolloutCommand(c: RolloutCommand): Promise<void>;
}

export class ConsolePublisher implements CommandSink {
  readonly #producer: k.Producer;

  constructor(
    kafka: k.Kafka,
    private readonly codec: Codec,
  ) {
    this.#producer = k.createIdempotentProducer(kafka);
  }

  async start(): Promise<void> {
    await this.codec.registerSchemas(['approvals', 'rollouts']);
    await this.#producer.connect();
  }

  async sendApproval(a: Approval): Promise<void> {
    await this.#producer.send({
      topic: this.codec.bindings.approvals.name,
      acks: -1,
      messages: [{ key: a.rolloutId, value: this.codec.encode('approvals', a) }],
    });
  }

  async sendRolloutCommand(c: RolloutCommand): Promise<void> {
    await this.#producer.send({
      topic: this.codec.bindings.rollouts.name,
      acks: -1,
      messages: [{ key: c.rolloutId, value: this.codec.encode('rollouts', c) }],
    });
  }

  async stop(): Promise<void> {
    await this.#producer.disconnect();
  }
}
