/**
 * Writes replay inputs as an Avro object container file (see replay-input-avro.ts), with avsc's block
 * encoder (codec null: decoding deflate costs more than reading the larger file), and converts a
 * JSON-lines replay input into one.
 */
import avro from 'avsc';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parseInputLine, type ReplayInput } from '../../detect/replay/parse-input-line.ts';
import { FileError } from '../errors.ts';
import { forEachLine, type LineSource } from '../io/line-reader.ts';
import { replayInputType, toAvroValue } from './replay-input-avro.ts';

/** Bytes of encoded records per block; larger blocks change the read rate by < 1 %. */
const BLOCK_BYTES = 256 * 1024;

/** An open Avro replay input file. `write` may be called until `close`, which resolves once flushed. */
export interface AvroInputWriter {
  write(input: ReplayInput): void;
  /** resolves when buffered data has been handed to the file; await it now and then to bound memory */
  drained(): Promise<void>;
  close(): Promise<void>;
  /** stops writing and removes the file */
  abort(): Promise<void>;
}

export function openAvroInputWriter(path: string): AvroInputWriter {
  const encoder = new avro.streams.BlockEncoder(replayInputType(), {
    codec: 'null',
    blockSize: BLOCK_BYTES,
    writeHeader: 'always',
  });
  const file = createWriteStream(path);
  const done = pipeline(encoder, file).catch((err: unknown) => {
    throw new FileError(path, err);
  });
  done.catch(() => undefined);
  return {
    write: (input) => encoder.write(toAvroValue(input)),
    async drained() {
      if (encoder.writableNeedDrain) await Promise.race([once(encoder, 'drain'), done]);
    },
    async close() {
      encoder.end();
      await done;
    },
    async abort() {
      encoder.destroy();
      await done.catch(() => undefined);
      await rm(path, { force: true });
    },
  };
}

/** Counts of a conversion. */
export interface ConvertResult {
  lines: number;
  records: number;
  invalid: number;
}

/**
 * Converts the JSON-lines replay input `source` into the Avro file `outPath`: every line that
 * `parseInputLine` accepts becomes one record, in order; blank lines are dropped; invalid lines are
 * reported through `onInvalid` and skipped. If the input cannot be read, no output file is left.
 */
export async function convertJsonLinesToAvro(
  source: LineSource,
  outPath: string,
  onInvalid: (lineNo: number, reason: string) => void,
): Promise<ConvertResult> {
  const writer = openAvroInputWriter(outPath);
  const result: ConvertResult = { lines: 0, records: 0, invalid: 0 };
  try {
    result.lines = await forEachLine(source, (text, lineNo) => {
      const parsed = parseInputLine(text);
      if (parsed.type === 'blank') return;
      if (parsed.type === 'invalid') {
        result.invalid++;
        onInvalid(lineNo, parsed.reason);
        return;
      }
      writer.write(parsed);
      result.records++;
    });
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.close();
  return result;
}
