/**
 * Streams the records of an Avro object container file without loading the file: the header and the
 * blocks are read by hand (codec `null` or `deflate`), each record is decoded by avsc with the reader's
 * type for its union branch (resolved from the writer's schema when the two differ). Blocks are checked
 * against the sync marker and must be consumed exactly; anything else is a ContentError naming the
 * file, the block and its byte offset.
 */
import avro from 'avsc';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { ContentError, FileError } from '../errors.ts';
import type { LineSource } from './line-reader.ts';

/** The first four bytes of every Avro object container file. */
export const AVRO_MAGIC = Buffer.from('Obj\x01', 'latin1');
const SYNC_BYTES = 16;
/** A larger block size is taken for corruption rather than buffered. */
const MAX_BLOCK_BYTES = 1 << 30;

const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});

/** True when the file at `path` starts with the Avro magic bytes; a read error rejects with FileError. */
export async function isAvroContainer(path: string): Promise<boolean> {
  try {
    const f = await open(path, 'r');
    try {
      const head = Buffer.alloc(AVRO_MAGIC.length);
      const { bytesRead } = await f.read(head, 0, head.length, 0);
      return bytesRead === head.length && head.equals(AVRO_MAGIC);
    } finally {
      await f.close();
    }
  } catch (err) {
    throw new FileError(path, err);
  }
}

/** How the records of one writer union branch are read. */
interface Branch {
  index: number;
  type: avro.Type;
  resolver: avro.Resolver | undefined;
}

/**
 * Calls `onRecord` for every record of the file in order with its reader branch (the index into
 * `readerBranches` whose full name matches the writer's record) and its 1-based record number; resolves
 * with the number of records. The writer schema is a union of (or one of) the reader's named types; a
 * writer type the reader does not know, or cannot resolve, is a ContentError before any record.
 */
export async function forEachAvroRecord(
  source: LineSource,
  readerBranches: readonly avro.Type[],
  onRecord: (value: unknown, branch: number, recordNo: number) => void,
): Promise<number> {
  const name = 'path' in source ? source.path : source.name;
  const input = 'path' in source ? createReadStream(source.path, { highWaterMark: 4 << 20 }) : source.stream;
  const corrupt = (block: number, offset: number, why: string): ContentError =>
    new ContentError(`${name}: corrupt Avro file, block ${block} at byte ${offset}: ${why}`);
  let header: Header | undefined;
  let buf: Buffer = Buffer.alloc(0);
  let base = 0; // file offset of buf[0]
  let block = 0;
  let recordNo = 0;
  let consumerFailed = false;
  const emit = (value: unknown, branch: number): void => {
    consumerFailed = true;
    onRecord(value, branch, ++recordNo);
    consumerFailed = false;
  };
  try {
    for await (const chunk of input) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      buf = buf.length === 0 ? b : Buffer.concat([buf, b]);
      let pos = 0;
      if (header === undefined) {
        header = readHeader(buf, name, readerBranches);
        if (header === undefined) continue;
        pos = header.end;
      }
      for (;;) {
        const at = base + pos;
        const frame = readBlockFrame(buf, pos, header.sync, (why) => corrupt(block + 1, at, why));
        if (frame === undefined) break;
        block++;
        let data: Buffer;
        try {
          data = header.inflate ? inflateRawSync(frame.data) : frame.data;
        } catch (err) {
          throw corrupt(block, at, `deflate: ${(err as Error).message}`);
        }
        decodeRecords(data, frame.count, header, emit, (why) => corrupt(block, at, why));
        pos = frame.end;
      }
      buf = buf.subarray(pos);
      base += pos;
    }
  } catch (err) {
    input.destroy();
    throw consumerFailed || err instanceof ContentError ? err : new FileError(name, err);
  }
  if (header === undefined) throw new ContentError(`${name}: not an Avro object container file (no header)`);
  if (buf.length > 0) throw corrupt(block + 1, base, `truncated: ${buf.length} bytes after the last block`);
  return recordNo;
}

/**
 * The block at `pos` (count, size, data, sync marker), or undefined when `buf` ends before it does;
 * throws what `corrupt` makes for a bad header or sync marker.
 */
function readBlockFrame(
  buf: Buffer,
  pos: number,
  sync: Buffer,
  corrupt: (why: string) => Error,
): { count: number; data: Buffer; end: number } | undefined {
  const count = readLong(buf, pos);
  if (count === undefined) return undefined;
  const size = readLong(buf, count.end);
  if (size === undefined) return undefined;
  if (count.value < 0 || size.value < 0 || size.value > MAX_BLOCK_BYTES)
    throw corrupt(`bad block header (count ${count.value}, size ${size.value})`);
  const dataEnd = size.end + size.value;
  if (dataEnd + SYNC_BYTES > buf.length) return undefined;
  if (!buf.subarray(dataEnd, dataEnd + SYNC_BYTES).equals(sync)) throw corrupt('sync marker mismatch');
  return { count: count.value, data: buf.subarray(size.end, dataEnd), end: dataEnd + SYNC_BYTES };
}

/** Decodes the `count` records of one block's data, which they must fill exactly. */
function decodeRecords(
  data: Buffer,
  count: number,
  header: Header,
  emit: (value: unknown, branch: number) => void,
  corrupt: (why: string) => Error,
): void {
  let at = 0;
  for (let i = 0; i < count; i++) {
    let branch: Branch | undefined = header.branches[0];
    let value: unknown;
    try {
      if (header.union) {
        const idx = readLong(data, at);
        branch = idx === undefined ? undefined : header.branches[idx.value];
        if (idx !== undefined) at = idx.end;
      }
      if (branch === undefined) throw new Error('invalid union index');
      const r = branch.type.decode(data, at, branch.resolver);
      if (r.offset < 0) throw new Error('record runs past the end of the block');
      value = r.value;
      at = r.offset;
    } catch (err) {
      throw corrupt(`record ${i + 1} of ${count}: ${(err as Error).message}`);
    }
    emit(value, branch.index);
  }
  if (at !== data.length) throw corrupt(`${data.length - at} bytes left after ${count} records`);
}

/** What the file header says about how to read the blocks. */
interface Header {
  /** whether each record starts with a union index */
  union: boolean;
  branches: Branch[];
  inflate: boolean;
  sync: Buffer;
  /** offset of the first block */
  end: number;
}

function readHeader(buf: Buffer, name: string, readerBranches: readonly avro.Type[]): Header | undefined {
  if (buf.length >= AVRO_MAGIC.length && !buf.subarray(0, AVRO_MAGIC.length).equals(AVRO_MAGIC))
    throw new ContentError(`${name}: not an Avro object container file (bad magic bytes)`);
  let decoded: { value: unknown; offset: number };
  try {
    decoded = HEADER.decode(buf, 0);
  } catch (err) {
    throw new ContentError(`${name}: corrupt Avro header: ${(err as Error).message}`);
  }
  if (decoded.offset < 0) return undefined;
  const header = decoded.value as { meta: Record<string, Buffer>; sync: Buffer };
  const codec = header.meta['avro.codec']?.toString() ?? 'null';
  if (codec !== 'null' && codec !== 'deflate')
    throw new ContentError(`${name}: unsupported Avro codec ${codec} (null | deflate)`);
  const schemaText = header.meta['avro.schema']?.toString();
  if (schemaText === undefined) throw new ContentError(`${name}: Avro header has no schema`);
  let writer: avro.Type;
  try {
    writer = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema, { wrapUnions: 'auto' });
  } catch (err) {
    throw new ContentError(`${name}: bad Avro schema in the header: ${(err as Error).message}`);
  }
  const writerBranches =
    writer instanceof avro.types.WrappedUnionType || writer instanceof avro.types.UnwrappedUnionType
      ? writer.types
      : undefined;
  const union = writerBranches !== undefined;
  const branches = (writerBranches ?? [writer]).map((w) => resolveBranch(w, readerBranches, name));
  return {
    union,
    branches,
    inflate: codec === 'deflate',
    sync: Buffer.from(header.sync),
    end: decoded.offset,
  };
}

function resolveBranch(writer: avro.Type, readerBranches: readonly avro.Type[], file: string): Branch {
  const index = readerBranches.findIndex((r) => r.name !== undefined && r.name === writer.name);
  const reader = readerBranches[index];
  if (reader === undefined)
    throw new ContentError(
      `${file}: the file holds ${writer.name ?? writer.typeName} records; expected ${readerBranches.map((r) => r.name).join(' | ')}`,
    );
  if (reader.equals(writer)) return { index, type: reader, resolver: undefined };
  try {
    return { index, type: reader, resolver: reader.createResolver(writer) };
  } catch (err) {
    throw new ContentError(
      `${file}: ${writer.name} in the file cannot be read as today's schema: ${(err as Error).message}`,
    );
  }
}

/** A zig-zag varint long at `pos`, or undefined when the buffer ends first; -1 when over 10 bytes. */
function readLong(buf: Buffer, pos: number): { value: number; end: number } | undefined {
  let n = 0;
  let scale = 1;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const byte = buf[i]!;
    n += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value: n % 2 === 0 ? n / 2 : -(n + 1) / 2, end: i + 1 };
    scale *= 128;
  }
  return buf.length >= pos + 10 ? { value: -1, end: pos + 10 } : undefined;
}
