/** How the runner (runner.ts) tells a failure that drops a task from one that stops the service. */
import { isRetriable, UnavailableError } from './errors.ts';

/** A batch waited for a task that was closed meanwhile (revoked or dropped); kafkajs re-delivers it. */
export class TaskClosedError extends UnavailableError {}

/** A task asked for while the runner stops. */
export class RunnerStoppedError extends UnavailableError {}

/** Errors of a partition that moved to another member or producer: the task is dropped, not the service. */
const MOVED = new Set([
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
]);

/**
 * Whether a failed batch or tick must stop the service: a non-retriable error (a record the broker
 * refuses, a programmer error), unless kafkajs gave up retrying a retriable one or the partition moved.
 */
export function isFatal(error: unknown): boolean {
  let root = error;
  while (root instanceof Error && root.name.startsWith('KafkaJS') && root.cause instanceof Error)
    root = root.cause;
  if (isRetriable(error) || isRetriable(root)) return false;
  if (error instanceof Error && error.name === 'KafkaJSNumberOfRetriesExceeded') return false;
  const type = (root as { type?: unknown } | null)?.type;
  return !(typeof type === 'string' && MOVED.has(type));
}
