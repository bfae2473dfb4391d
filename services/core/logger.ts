/**
 * Structured JSON logs to stdout (pino). One root logger per process; adapters take children bound to
 * `{ service, topic, partition }`. Secrets are redacted by path, whatever object carries them.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { secretEnvKeys, type LogLevel } from './config.ts';

export type Logger = PinoLogger;

const secretFields = ['password', 'sasl.password', 'auth.password', 'ssl.key', ...secretEnvKeys];

/** pino redaction paths: every secret field at the top level and up to three levels down. */
export const redactPaths: readonly string[] = secretFields.flatMap((f) => [
  f,
  `*.${f}`,
  `*.*.${f}`,
  `*.*.*.${f}`,
]);

export interface LoggerOptions {
  readonly service: string;
  readonly level: LogLevel;
  /** Defaults to stdout; tests pass a stream to capture lines. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      redact: { paths: [...redactPaths], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A child for one topic-partition (or topic), as the runtime's adapters log. */
export function partitionLogger(logger: Logger, topic: string, partition?: number): Logger {
  return logger.child(partition === undefined ? { topic } : { topic, partition });
}
