/**
 * Failures a command reports, each with its exit code (see run-cli.ts): 1 a runtime failure (a file that
 * cannot be read or written, an unusable input, Kafka unreachable, a command refused), 3 something named
 * does not exist, 4 a verification failed. Usage errors go through commander (`command.error`) and exit 2.
 */
export class CliError extends Error {
  readonly exitCode: number = 1;
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A file could not be opened, read or written. Retriable: the file may appear or the disk free up. */
export class FileError extends CliError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`${path}: ${cause instanceof Error ? cause.message : String(cause)}`, true, { cause });
  }
}

/** A file's content is unusable (e.g. a policy that fails validation). Not retriable. */
export class ContentError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

/** A bundle, rollout, decision or tenant that is not on the topics (exit 3). */
export class NotFoundError extends CliError {
  override readonly exitCode = 3;
  constructor(message: string) {
    super(message, false);
  }
}

/** An integrity check failed, e.g. a broken audit hash chain (exit 4). */
export class VerifyFailedError extends CliError {
  override readonly exitCode = 4;
  constructor(message: string) {
    super(message, false);
  }
}

/** Bad input found after parsing (e.g. a scope outside the decision); exits 2 like a usage error. */
export class UsageError extends CliError {
  override readonly exitCode = 2;
  constructor(message: string) {
    super(message, false);
  }
}

/** Kafka or the schema registry could not be reached or failed; retriable. */
export class ClusterError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, true, options);
  }
}
