/**
 * One webhook POST with bounded retries (exponential backoff with full jitter, core/retry.ts).
 * Retried: network errors, per-attempt timeouts, HTTP 408, 429 and 5xx. Any other status is final at
 * once (a bad URL or a revoked key does not heal by waiting). Error texts name the host, never the
 * URL (it is a credential).
 */
import { BacktrackError } from '../core/errors.ts';
import { retry } from '../core/retry.ts';
import type { WebhookTarget } from './webhook-targets.ts';

export interface DeliverySettings {
  /** Per attempt, ms. */
  readonly timeoutMs: number;
  /** Attempts after the first. */
  readonly retries: number;
  /** ms */
  readonly initialBackoffMs: number;
  /** ms */
  readonly maxBackoffMs: number;
}

export const DEFAULT_DELIVERY: DeliverySettings = {
  timeoutMs: 5_000,
  retries: 5,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
};

export type DeliveryResult =
  | { readonly ok: true; readonly attempts: number; readonly status: number }
  | {
      readonly ok: false;
      readonly attempts: number;
      readonly error: string;
      /** True when the caller's signal stopped it: not a final failure, deliver again later. */
      readonly aborted: boolean;
    };

/** A failed attempt; `retriable` says whether another attempt may succeed. */
export class WebhookError extends BacktrackError {
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

const retriableStatus = (s: number): boolean => s === 408 || s === 429 || s >= 500;

export interface AttemptOptions {
  readonly signal: AbortSignal;
  /** Sent as `Idempotency-Key` on every attempt. */
  readonly idempotencyKey?: string;
}

async function attempt(target: WebhookTarget, body: string, timeoutMs: number, options: AttemptOptions) {
  const { signal, idempotencyKey } = options;
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'backtrack-reversion',
        ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
      },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (cause) {
    if (signal.aborted) throw new WebhookError('aborted', false);
    const e = cause as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    throw new WebhookError(`${target.kind} ${target.host}: ${why}`, true);
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.ok) return res.status;
  throw new WebhookError(
    `${target.kind} ${target.host}: HTTP ${res.status}`,
    retriableStatus(res.status),
    res.status,
  );
}

function abortableSleep(signal: AbortSignal): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
}

/** POSTs `body` (JSON text) until accepted, a final failure, or `signal` aborts. Never throws. */
export async function deliverWebhook(
  target: WebhookTarget,
  body: string,
  settings: DeliverySettings,
  options: AttemptOptions,
): Promise<DeliveryResult> {
  const { signal } = options;
  let attempts = 0;
  try {
    const status = await retry(
      () => {
        attempts++;
        return attempt(target, body, settings.timeoutMs, options);
      },
      {
        retries: settings.retries,
        initialDelayMs: settings.initialBackoffMs,
        maxDelayMs: settings.maxBackoffMs,
        signal,
        sleep: abortableSleep(signal),
      },
    );
    return { ok: true, attempts, status };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, attempts, error: message, aborted: signal.aborted };
  }
}
