/**
 * Streams the lines of a file (or stdin) with their 1-based numbers, without loading the file. Lines
 * are cut on '\n' in the raw chunks (a '\r' before it is dropped) and decoded one by one; chunks that
 * are pure ASCII skip UTF-8 decoding. Measured on the 1 M-line bench input: ~1.7 M lines/s against
 * ~0.43 M lines/s for node:readline, whose per-line overhead was the largest cost of a replay.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ContentError, FileError } from '../errors.ts';

const BOM = 0xfeff;

export type LineSource = { path: string } | { stream: Readable; name: string };

const NL = 10;
const CR = 13;
/** A longer "line" means the input is not JSON lines (e.g. a binary file); the read fails. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Calls `onLine` for every line of `source` in order (a last line without '\n' included, a UTF-8 BOM
 * dropped); resolves with the number of lines. A read error rejects with FileError, a line over
 * MAX_LINE_BYTES with ContentError; an error thrown by `onLine` rejects as is.
 */
export async function forEachLine(
  source: LineSource,
  onLine: (line: string, lineNo: number) => void,
  maxLineBytes = MAX_LINE_BYTES,
): Promise<number> {
  const name = 'path' in source ? source.path : source.name;
  const input = 'path' in source ? createReadStream(source.path, { highWaterMark: 1 << 20 }) : source.stream;
  let lineNo = 0;
  let carry: Buffer | null = null;
  let consumerFailed = false;
  const emit = (b: Buffer, start: number, end: number, ascii: boolean): void => {
    if (end > start && b[end - 1] === CR) end--;
    let line = b.toString(ascii ? 'latin1' : 'utf8', start, end);
    if (lineNo === 0 && line.charCodeAt(0) === BOM) line = line.slice(1);
    try {
      onLine(line, ++lineNo);
    } catch (err) {
      consumerFailed = true;
      throw err;
    }
  };
  try {
    for await (const chunk of input) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      let pos = 0;
      if (carry !== null) {
        const nl = b.indexOf(NL);
        if (nl < 0) {
          carry = Buffer.concat([carry, b]);
          if (carry.length > maxLineBytes)
            throw new ContentError(
              `${name}:${lineNo + 1}: line longer than ${maxLineBytes} bytes; not JSON lines?`,
            );
          continue;
        }
        const head = Buffer.concat([carry, b.subarray(0, nl)]);
        carry = null;
        emit(head, 0, head.length, isAscii(head));
        pos = nl + 1;
      }
      const ascii = isAscii(b);
      for (let nl = b.indexOf(NL, pos); nl >= 0; nl = b.indexOf(NL, pos)) {
        emit(b, pos, nl, ascii);
        pos = nl + 1;
      }
      if (pos < b.length) carry = Buffer.from(b.subarray(pos));
    }
  } catch (err) {
    input.destroy();
    throw consumerFailed || err instanceof ContentError ? err : new FileError(name, err);
  }
  if (carry !== null) emit(carry, 0, carry.length, isAscii(carry));
  return lineNo;
}
