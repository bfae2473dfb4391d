/**
 * Typed errors at the boundaries. Every error backtrack raises on purpose is a `BacktrackError` that
 * says whether trying again can help (`retriable`); decode and validation failures never can, and
 * go to the dead-letter topic instead.
 */

export interface BacktrackErrorOptions {
  readonly cause?: unknown;
}

export abstract class BacktrackError extends Error {
  /** True when the same call may succeed later (broker or registry unavailable, timeouts). */
  abstract readonly retriable: boolean;

  constructor(message: string, options: BacktrackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Why a record could not be decoded; the value of the `dlq-reason` header. */
export type DecodeReason =
  'empty' | 'bad-magic-byte' | 'unknown-schema-id' | 'truncated' | 'corrupt' | 'wrong-schema' | 'invalid';

export const decodeReasons: readonly DecodeReason[] = [
  'empty',
  'bad-magic-byte',
  'unknown-schema-id',
  'truncated',
  'corrupt',
  'wrong-schema',
  'invalid',
];

/** The bytes of a record are not a value of the topic's schema. Never retriable. */
export class DecodeError extends BacktrackError {
  readonly retriable = false;
  constructor(
    readonly reason: DecodeReason,
    message: string,
    options?: BacktrackErrorOptions,
  ) {
    super(message, options);
  }
}

/** A decoded or to-be-encoded value breaks a rule of its contract. Never retriable. */
export class ValidationError extends BacktrackError {
  readonly retriable = false;
  constructor(
    message: string,
    /** Paths of the offending fields, when known (e.g. `['latencyMs']`). */
    readonly paths: readonly string[] = [],
    options?: BacktrackErrorOptions,
  ) {
    super(message, options);
  }
}

/** Invalid configuration; the message names every bad key. Never retriable. */
export class ConfigError extends BacktrackError {
  readonly retriable = false;
}

/** A dependency (registry, broker, disk) failed in a way that may pass. */
export class UnavailableError extends BacktrackError {
  readonly retriable = true;
}

/** Misuse of an API by our own code (an unregistered topic, a store used after close). */
export class ProgrammerError extends BacktrackError {
  readonly retriable = false;
}

const programmerErrors = [TypeError, RangeError, ReferenceError, SyntaxError] as const;

/**
 * Whether an error may pass on retry: a `BacktrackError` or kafkajs error says so itself; JavaScript's
 * built-in programmer errors (TypeError, RangeError, ...) never do, nor does anything unknown.
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof BacktrackError) return error.retriable;
  if (programmerErrors.some((E) => error instanceof E)) return false;
  if (typeof error === 'object' && error !== null && 'retriable' in error) {
    return (error as { retriable: unknown }).retriable === true;
  }
  return false;
}
