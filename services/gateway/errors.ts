/** Errors the gateway SDK raises on purpose. */
import { BacktrackError } from '../core/errors.ts';

/** A wait (`waitUntil`, `ready`, a bounded `send` or `close`) ran out of time. Trying again may pass. */
export class WaitTimeoutError extends BacktrackError {
  readonly retriable = true;
}

/** `send` after `close()` began. A programming error of the caller, never retried. */
export class ProducerClosedError extends BacktrackError {
  readonly retriable = false;
}

/**
 * Events the broker never acknowledged (a non-retriable produce error, or retries ran out). They are
 * counted in `backtrack_gateway_events_failed_total`; resending them is the caller's call.
 */
export class DeliveryError extends BacktrackError {
  readonly retriable = false;
  constructor(
    readonly events: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
