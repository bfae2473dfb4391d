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
 * kafkajs errors that mean "the cluster is not reachable right now", some of them thrown as
 * non-retriable once kafkajs's own retries ran out (e.g. the transaction coordinator while the broker
 * restarts): the task is dropped and rebuilt when the cluster answers again.
 */
const UNAVAILABLE = new Set([
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
]);

/**
 * Whether a failed batch or tick must stop the service: a non-retriable error (a record the broker
 * refuses, a programmer error), unless kafkajs gave up retrying a retriable one, the cluster was
 * unreachable or the partition moved.
 */
export function isFatal(error: unknown): boolean {
  const chain: unknown[] = [error];
  for (let e = error; e instanceof Error && e.name.startsWith('KafkaJS') && e.cause instanceof Error;)
    chain.push((e = e.cause));
  const root = chain[chain.length - 1];
  if (isRetriable(error) || isRetriable(root)) return false;
  if (chain.some((e) => e instanceof Error && UNAVAILABLE.has(e.name))) return false;
  const type = (root as { type?: unknown } | null)?.type;
  return !(typeof type === 'string' && MOVED.has(type));
}
