/**
 * The output of a command: a file opened before any work starts (so a bad path fails fast), or stdout.
 */
import { createWriteStream, openSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { CliIo } from '../cli-io.ts';
import { FileError } from '../errors.ts';

export interface Output {
  name: string;
  stream: Writable;
  /** whether closing ends the stream (files) or only drains it (stdout) */
  owned: boolean;
}

/** Opens `path` for writing, truncating it; `-` is stdout. */
export function openOutput(path: string, io: CliIo): Output {
  if (path === '-') return { name: 'stdout', stream: io.stdout, owned: false };
  try {
    const fd = openSync(path, 'w');
    return { name: path, stream: createWriteStream(path, { fd }), owned: true };
  } catch (err) {
    throw new FileError(path, err);
  }
}

/** Flushes and, for files, closes the output. */
export async function closeOutput(out: Output): Promise<void> {
  try {
    if (out.owned) {
      out.stream.end();
      await finished(out.stream);
    } else if (out.stream.writableNeedDrain) {
      await new Promise((resolve) => out.stream.once('drain', resolve));
    }
  } catch (err) {
    throw new FileError(out.name, err);
  }
}
