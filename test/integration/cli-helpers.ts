/**
 * Runs `backtrack` in-process against the real broker, on renamed topics, capturing its output.
 */
import { PassThrough, Writable } from 'node:stream';
import type { TopicKey } from '../../topology/topics.ts';
import { runCli } from '../../services/cli/run-cli.ts';
import type { TestRuntime } from './helpers.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON value */
  json<T = unknown>(): T;
  /** stdout parsed as JSON lines */
  lines<T = unknown>(): T[];
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** A `backtrack` bound to `rt`'s broker and registry and to the topic names in `rename`. */
export function cliFor(rt: TestRuntime, rename: Partial<Record<TopicKey, string>>) {
  const topics = Object.entries(rename)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const globals = [
    '--brokers',
    rt.config.kafka.brokers.join(','),
    '--registry',
    rt.config.registry.url,
    '--topics',
    topics,
  ];
  return async (...args: string[]): Promise<CliRun> => {
    const stdout = new Sink();
    const stderr = new Sink();
    const code = await runCli([...globals, ...args], {
      stdin: new PassThrough(),
      stdout,
      stderr,
      stderrIsTty: false,
      env: { ...process.env, BACKTRACK_ACTOR: 'tester', BACKTRACK_LOG_LEVEL: 'fatal' },
    });
    return {
      code,
      stdout: stdout.text,
      stderr: stderr.text,
      json: <T>() => JSON.parse(stdout.text) as T,
      lines: <T>() =>
        stdout.text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as T),
    };
  };
}
