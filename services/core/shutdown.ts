/**
 * Graceful shutdown: on SIGTERM or SIGINT (or a fatal error) run the service's close steps in order —
 * typically runner.stop() (stop consuming, last commit, close processors and stores, disconnect), then
 * the metrics server — and exit 0; exit 1 if a step fails or the whole takes longer than `timeoutMs`.
 * A second signal exits at once. With `exitOnStdinEof` (BACKTRACK_EXIT_ON_STDIN_EOF) the end of stdin
 * stops the process like SIGTERM: a child whose parent holds its stdin open dies with that parent.
 */
import type { Logger } from './logger.ts';

export interface ShutdownStep {
  readonly name: string;
  run(): Promise<void>;
}

export interface ShutdownOptions {
  readonly logger: Logger;
  readonly steps: readonly ShutdownStep[];
  readonly signals?: readonly NodeJS.Signals[];
  /** ms */
  readonly timeoutMs?: number;
  /** Also shut down (exit code 0) when `stdin` ends; default false. */
  readonly exitOnStdinEof?: boolean;
  /** Injected for tests; defaults to process.stdin. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Injected for tests; defaults to process.exit. */
  readonly exit?: (code: number) => void;
}

export interface Shutdown {
  /** Runs the steps once; later calls return the same promise. Resolves with the exit code used. */
  trigger(reason: string, code?: number): Promise<number>;
  /** Removes the signal handlers (tests). */
  dispose(): void;
}

export function installShutdown(options: ShutdownOptions): Shutdown {
  const { logger, steps, timeoutMs = 30_000 } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let running: Promise<number> | undefined;

  const run = async (reason: string, code: number): Promise<number> => {
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      exit(1);
    }, timeoutMs);
    timer.unref();
    let exitCode = code;
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        logger.error({ err, step: step.name }, 'shutdown step failed');
        exitCode = 1;
      }
    }
    clearTimeout(timer);
    logger.info({ exitCode }, 'stopped');
    logger.flush?.();
    exit(exitCode);
    return exitCode;
  };

  const trigger = (reason: string, code = 0): Promise<number> => {
    running ??= run(reason, code);
    return running;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (running !== undefined) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    void trigger(signal);
  };
  const stdin = options.stdin ?? process.stdin;
  const onStdinEnd = (): void => void trigger('stdin closed: the process that started this one has gone');
  for (const s of signals) process.on(s, onSignal);
  if (options.exitOnStdinEof === true) {
    stdin.once('end', onStdinEnd);
    stdin.resume();
  }
  return {
    trigger,
    dispose: () => {
      signals.forEach((s) => process.off(s, onSignal));
      if (options.exitOnStdinEof === true) stdin.off('end', onStdinEnd).pause();
    },
  };
}
