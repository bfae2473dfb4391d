/**
 * One produce request for a batch (every topic in one `sendBatch`, acks=all), resent while the error
 * may pass, until `deadlineMs`. A resend after an ambiguous failure can duplicate events; consumers
 * drop duplicates by eventId / evalId.
 */
import { isRetriable } from '../core/errors.ts';
import type { Producer, TopicMessages } from '../core/kafka.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** kafkajs wraps the last retriable error in a non-retriable KafkaJSNumberOfRetriesExceeded. */
export function mayPass(error: unknown): boolean {
  if (isRetriable(error)) return true;
  const e = error as { name?: string; cause?: unknown } | null;
  return e?.name === 'KafkaJSNumberOfRetriesExceeded' && isRetriable(e.cause);
}

export interface SendRetryOptions {
  /** ms after the first attempt beyond which no retry starts. */
  readonly deadlineMs: number;
  /** Aborted: no further retry. */
  readonly signal?: AbortSignal;
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

/** Undefined once acknowledged; the last error when it cannot pass, the deadline is reached or aborted. */
export async function sendWithRetry(
  producer: Pick<Producer, 'sendBatch'>,
  topicMessages: TopicMessages[],
  options: SendRetryOptions,
): Promise<unknown> {
  const start = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.sendBatch({ topicMessages, acks: -1 });
      return undefined;
    } catch (error) {
      const delay = Math.min(5_000, 100 * 2 ** attempt);
      const late = performance.now() - start + delay > options.deadlineMs;
      if (!mayPass(error) || late || options.signal?.aborted === true) return error;
      options.onRetry?.(error, attempt);
      await sleep(delay);
    }
  }
}
