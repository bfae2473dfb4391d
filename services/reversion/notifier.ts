/**
 * Delivers reversion's notifications to the configured webhooks, one (notification, target) at a
 * time, and dead-letters the ones that fail for good. Shared by every partition of the process; the
 * processor decides when to deliver (after its transaction committed) and records the outcome.
 */
import type { Logger } from '../core/logger.ts';
import type { Notification } from './core/index.ts';
import type { ReversionMetrics } from './metrics.ts';
import { deliverWebhook, type DeliverySettings } from './webhook-delivery.ts';
import { webhookBody } from './webhook-payload.ts';
import type { WebhookTarget } from './webhook-targets.ts';

/** What became of one delivery. `aborted`: stopped by the caller, to be delivered again later. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly attempts: number }
  | { readonly kind: 'failed'; readonly channel: string; readonly error: string; readonly attempts: number }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'unknown_target' };

/** The record written to the dead-letter topic for a notification that could not be delivered. */
export interface NotificationDeadLetter {
  readonly notification: Notification;
  readonly targetId: string;
  readonly targetKind: string;
  /** Host only: the URL is a credential. */
  readonly targetHost: string;
  readonly attempts: number;
  readonly error: string;
  /** epoch ms */
  readonly failedAt: number;
}

/** Where dead letters go (a Kafka topic in the service; a list in tests). Throws when it cannot write. */
export interface DeadLetterSink {
  send(record: NotificationDeadLetter): Promise<void>;
}

/** What the processor needs from a notifier. */
export interface NotificationSink {
  /** Target ids a new notification goes to. */
  targetIds(): string[];
  /** Never rejects; `signal` stops retries (outcome `aborted`). */
  deliver(n: Notification, targetId: string, options: DeliverOptions): Promise<DeliveryOutcome>;
}

export interface DeliverOptions {
  readonly signal: AbortSignal;
  /** Same for every attempt and redelivery of one notification; sent as `Idempotency-Key`. */
  readonly idempotencyKey: string;
}

export interface WebhookNotifierOptions {
  readonly targets: readonly WebhookTarget[];
  readonly delivery: DeliverySettings;
  readonly maxPayloadBytes: number;
  readonly deadLetters: DeadLetterSink;
  readonly logger: Logger;
  readonly metrics: ReversionMetrics;
  readonly now?: () => number;
}

export class WebhookNotifier implements NotificationSink {
  readonly #o: WebhookNotifierOptions;
  readonly #byId: Map<string, WebhookTarget>;
  readonly #log: Logger;

  constructor(options: WebhookNotifierOptions) {
    this.#o = options;
    this.#byId = new Map(options.targets.map((t) => [t.id, t]));
    this.#log = options.logger.child({ component: 'notifier' });
  }

  targetIds(): string[] {
    return [...this.#byId.keys()];
  }

  async deliver(n: Notification, targetId: string, options: DeliverOptions): Promise<DeliveryOutcome> {
    const target = this.#byId.get(targetId);
    const m = this.#o.metrics;
    if (target === undefined) {
      m.webhooks.inc({ target: 'unknown', outcome: 'dropped' });
      this.#log.warn({ targetId, rolloutId: n.rolloutId }, 'notification for a target no longer configured');
      return { kind: 'unknown_target' };
    }
    const end = m.webhookSeconds.startTimer({ target: target.kind });
    const body = webhookBody(target, n, this.#o.maxPayloadBytes);
    const result = await deliverWebhook(target, body, this.#o.delivery, options);
    if (result.ok) {
      end();
      m.webhooks.inc({ target: target.kind, outcome: 'delivered' });
      return { kind: 'delivered', attempts: result.attempts };
    }
    if (result.aborted) {
      m.webhooks.inc({ target: target.kind, outcome: 'aborted' });
      return { kind: 'aborted' };
    }
    end();
    m.webhooks.inc({ target: target.kind, outcome: 'failed' });
    const log = { target: target.id, host: target.host, rolloutId: n.rolloutId, attempts: result.attempts };
    this.#log.error({ ...log, err: result.error }, 'notification undeliverable; dead-lettered');
    const record: NotificationDeadLetter = {
      notification: n,
      targetId: target.id,
      targetKind: target.kind,
      targetHost: target.host,
      attempts: result.attempts,
      error: result.error,
      failedAt: (this.#o.now ?? Date.now)(),
    };
    try {
      await this.#o.deadLetters.send(record);
      m.deadLetters.inc({ ok: 'true' });
    } catch (err) {
      m.deadLetters.inc({ ok: 'false' });
      this.#log.error({ ...log, err }, 'dead-lettering a notification failed');
    }
    return { kind: 'failed', channel: target.kind, error: result.error, attempts: result.attempts };
  }
}
