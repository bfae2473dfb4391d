/** Runs `backtrack` in-process (no cluster), capturing its exit code, stdout and stderr. */
import { Readable, Writable } from 'node:stream';
import type { CliIo } from '../../services/cli/cli-io.ts';
import { runCli } from '../../services/cli/run-cli.ts';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export async function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const io: CliIo = { stdin: Readable.from([stdin]), stdout, stderr, stderrIsTty: false };
  const code = await runCli(args, io);
  return { code, out: stdout.text, err: stderr.text };
}
