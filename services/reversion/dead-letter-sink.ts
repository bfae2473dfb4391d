/**
 * Undeliverable notifications to a dead-letter topic: the derived DLQ of the decisions topic
 * (`rollback.decisions.v1.dlq`), told apart from undecodable decisions by `dlq-reason:
 * notification_failed`. Key: rolloutId; value: the `NotificationDeadLetter` as JSON. Written with the
 * idempotent producer, outside reversion's transactions (at-least-once: a crash may repeat one).
 */
import { dlqHeaders } from '../core/dead-letter.ts';
import type { Producer } from '../core/kafka.ts';
import type { DeadLetterSink, NotificationDeadLetter } from './notifier.ts';

export const NOTIFICATION_FAILED = 'notification_failed';

export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Pick<Producer, 'send'>,
    /** The DLQ topic name. */
    readonly topic: string,
  ) {}

  async send(record: NotificationDeadLetter): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [
        {
          key: record.notification.rolloutId,
          value: JSON.stringify(record),
          headers: {
            [dlqHeaders.reason]: NOTIFICATION_FAILED,
            [dlqHeaders.error]: record.error.slice(0, 1_000),
            'source-service': 'reversion',
            'webhook-kind': record.targetKind,
            'webhook-host': record.targetHost,
          },
        },
      ],
    });
  }
}
