/**
 * Decoding of stored latency sketches (base64 of a DDSketch protobuf, as stage 1 writes them) into
 * {@link Sketch}es, with the same content `DDSketch.fromProto` gives. The common layout (contiguous
 * bins) is read directly; anything else (sparse bin maps, unknown fields) goes through the library.
 */
import { endianness } from 'node:os';
import { DDSketch } from '@datadog/sketches-js';
import { fromLibrary, KeyCounts, NO_COUNTS, Sketch, type KeyMapping } from './sketch.ts';

/** The mapping `fromProto` builds from a header, one per distinct header (it re-derives gamma). */
const mappings = new Map<string, KeyMapping>();

/** The last few headers read and their mappings, found without formatting a key (same result as `mappings`). */
const recentMappings: { gamma: number; indexOffset: number; interpolation: number; mapping: KeyMapping }[] =
  [];

class Unusual extends Error {}

class Reader {
  at: number;
  constructor(
    readonly b: Buffer,
    at: number,
    readonly end: number,
  ) {
    this.at = at;
  }
  varint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      if (this.at >= this.end) throw new Unusual();
      const byte = this.b[this.at++]!;
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) return v;
      scale *= 128;
      if (scale > 2 ** 49) throw new Unusual();
    }
  }
  double(): number {
    if (this.at + 8 > this.end) throw new Unusual();
    const v = this.b.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  sub(): Reader {
    const len = this.varint();
    if (this.at + len > this.end) throw new Unusual();
    const r = new Reader(this.b, this.at, this.at + len);
    this.at += len;
    return r;
  }
}

/** sint32 from its zigzag varint (the value protobufjs gives). */
const unzigzag = (v: number): number => ((v >>> 1) ^ -(v & 1)) | 0;

function readStore(r: Reader): KeyCounts {
  let offset = 0;
  let values: number[] | Float64Array = [];
  while (r.at < r.end) {
    const tag = r.varint();
    if (tag === 0x12) values = readPacked(r.sub());
    else if (tag === 0x11) values = [...values, r.double()];
    else if (tag === 0x18) offset = unzigzag(r.varint());
    else throw new Unusual();
  }
  let lo = 0;
  let hi = values.length - 1;
  while (lo <= hi && values[lo] === 0) lo++;
  while (hi >= lo && values[hi] === 0) hi--;
  if (lo > hi) return NO_COUNTS;
  const counts = new Float64Array(hi - lo + 1);
  let count = 0;
  for (let i = lo; i <= hi; i++) {
    counts[i - lo] = values[i]!;
    count += values[i]!;
  }
  return new KeyCounts(offset + lo, counts, count);
}

/** A packed run of little-endian doubles (a ragged tail is unusual, as reading it double by double finds). */
function readPacked(packed: Reader): Float64Array {
  const n = (packed.end - packed.at) / 8;
  if (!Number.isInteger(n)) throw new Unusual();
  if (LITTLE_ENDIAN) {
    const bytes = new Uint8Array(8 * n);
    bytes.set(packed.b.subarray(packed.at, packed.end));
    return new Float64Array(bytes.buffer);
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = packed.b.readDoubleLE(packed.at + 8 * i);
  return values;
}

/** Whether a Float64Array reads little-endian doubles as they are (one copy instead of a read per double). */
const LITTLE_ENDIAN = endianness() === 'LE';

function readMapping(r: Reader, bytes: Buffer): KeyMapping {
  let gamma = 0;
  let indexOffset = 0;
  let interpolation = 0;
  while (r.at < r.end) {
    const tag = r.varint();
    if (tag === 0x09) gamma = r.double();
    else if (tag === 0x11) indexOffset = r.double();
    else if (tag === 0x18) interpolation = r.varint();
    else throw new Unusual();
  }
  for (const e of recentMappings)
    if (e.gamma === gamma && e.indexOffset === indexOffset && e.interpolation === interpolation)
      return e.mapping;
  const key = `${gamma}/${indexOffset}/${interpolation}`;
  let m = mappings.get(key);
  if (m === undefined) {
    m = DDSketch.fromProto(bytes).mapping;
    mappings.set(key, m);
  }
  if (recentMappings.length >= 4) recentMappings.shift();
  recentMappings.push({ gamma, indexOffset, interpolation, mapping: m });
  return m;
}

function readSketch(bytes: Buffer): Sketch {
  const r = new Reader(bytes, 0, bytes.length);
  let mapping: KeyMapping | null = null;
  let positive: KeyCounts | null = null;
  let negative: KeyCounts | null = null;
  let zeroCount = 0;
  while (r.at < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) mapping = readMapping(r.sub(), bytes);
    else if (tag === 0x12) positive = readStore(r.sub());
    else if (tag === 0x1a) negative = readStore(r.sub());
    else if (tag === 0x21) zeroCount = r.double();
    else throw new Unusual();
  }
  if (mapping === null || positive === null || negative === null) throw new Unusual();
  return new Sketch(mapping, positive, negative, zeroCount);
}

/** Decodes a base64 DDSketch protobuf; null when it holds no values. Throws as `fromProto` does. */
export function decodeSketch(proto: string): Sketch | null {
  return proto.length === 0 ? null : decodeSketchBytes(Buffer.from(proto, 'base64'));
}

/** Decodes DDSketch protobuf bytes; null when they hold no values. Throws as `fromProto` does. */
export function decodeSketchBytes(bytes: Buffer): Sketch | null {
  let sketch: Sketch;
  try {
    sketch = readSketch(bytes);
  } catch (err) {
    if (!(err instanceof Unusual)) throw err;
    sketch = fromLibrary(DDSketch.fromProto(bytes) as DDSketch);
  }
  return sketch.count > 0 ? sketch : null;
}
