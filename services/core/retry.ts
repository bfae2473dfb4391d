import { isRetriable } from './errors.ts';

export interface RetryOptions {
  /** Attempts after the first one. */
  readonly retries: number;
  /** Delay before the first retry, ms. */
  readonly initialDelayMs: number;
  /** Upper bound of any delay, ms. */
  readonly maxDelayMs: number;
  readonly factor?: number;
  /** Called before each wait; for logging. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  readonly signal?: AbortSignal;
  /** Injected for tests; defaults to setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); defaults to Math.random (full jitter). */
  readonly random?: () => number;
}

export const defaultRetry: RetryOptions = { retries: 5, initialDelayMs: 100, maxDelayMs: 5_000 };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, retrying only errors for which `isRetriable` is true, with
 * exponential backoff and full jitter. A non-retriable or programmer error is rethrown at once.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = defaultRetry,
): Promise<T> {
  const { retries, initialDelayMs, maxDelayMs, factor = 2, onRetry, signal } = options;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !isRetriable(error) || signal?.aborted === true) throw error;
      const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** attempt);
      const delayMs = Math.round(ceiling * random());
      onRetry?.(error, attempt + 1, delayMs);
      await sleep(delayMs);
    }
  }
}
