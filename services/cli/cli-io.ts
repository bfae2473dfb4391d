/**
 * Where a command writes, and the environment it reads. main.ts binds the process; tests bind
 * in-memory sinks (and may pass their own environment).
 */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** whether stderr is an interactive terminal (progress is shown by default only then) */
  stderrIsTty: boolean;
  /** KAFKA_BROKERS, SCHEMA_REGISTRY_URL, BACKTRACK_TOPICS, BACKTRACK_ACTOR…; default `process.env` */
  env?: Readonly<Record<string, string | undefined>>;
}

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTty: process.stderr.isTTY === true,
  };
}
