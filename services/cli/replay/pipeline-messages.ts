/**
 * The messages of the two-thread replay (./pipelined-replay.ts ↔ ./replay-worker.ts): what the worker
 * is told, the batches it posts (stage 1's events in input order, with invalid-record reports and
 * progress marks at their place) and how a failure crosses the thread boundary as the same CliError.
 */
import type { Policy } from '../../detect/policy/index.ts';
import type { StageEvent, StageOneCounts } from '../../detect/replay/stage-events.ts';
import { CliError, ContentError, FileError } from '../errors.ts';
import type { InputUnit } from './run-replay.ts';

export interface ReplayWorkerData {
  path: string;
  unit: InputUnit;
  policy: Policy;
  /** records between progress marks; 0 for none */
  progressEvery: number;
  /** Int32Array[1] over it: batches the main thread has consumed (back-pressure credit) */
  consumed: SharedArrayBuffer;
}

export type PipelineItem =
  | StageEvent
  | { kind: 'invalid'; position: number; reason: string }
  | { kind: 'progress'; position: number; counts: StageOneCounts };

export type WorkerMessage =
  | { type: 'batch'; items: PipelineItem[]; counts: StageOneCounts }
  | { type: 'done'; counts: StageOneCounts }
  | { type: 'error'; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** FileError only */
  path?: string;
  causeMessage?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof FileError) {
    const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
    return { name: 'FileError', message: err.message, path: err.path, causeMessage: cause };
  }
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** The error the worker failed with, as the single-thread replay would have thrown it. */
export function deserializeError(e: SerializedError): Error {
  if (e.name === 'FileError' && e.path !== undefined)
    return new FileError(e.path, new Error(e.causeMessage ?? e.message));
  if (e.name === 'ContentError') return new ContentError(e.message);
  if (e.name === 'CliError') return new CliError(e.message, false);
  const err = new Error(e.message);
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}
