/**
 * Failures a command reports with exit code 1: a file that cannot be read or written, a policy or input
 * that is unusable. Usage errors go through commander (`command.error`) and exit with 2.
 */
export class CliError extends Error {
  readonly exitCode = 1;
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
