/**
 * Where a command writes. main.ts binds the process streams; tests bind in-memory sinks.
 */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** whether stderr is an interactive terminal (progress is shown by default only then) */
  stderrIsTty: boolean;
}

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTty: process.stderr.isTTY === true,
  };
}
