/**
 * The wire form of latency distributions: `ArmWindow.latencySketch` is the protobuf of a DDSketch
 * (@datadog/sketches-js `toProto`, logarithmic mapping, 1 % relative accuracy). Stage 2 decodes
 * and merges these bytes to pool tiers.
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { DDSketch } from '@datadog/sketches-js';
import {
  LATENCY_MAPPING,
  LATENCY_RELATIVE_ACCURACY,
  type LatencyBins,
  type MergedLatency,
  mergeLatency,
} from './latency-bins.ts';

interface ProtoStore {
  binCounts?: Record<string, number> | null;
  contiguousBinCounts?: number[] | null;
  contiguousBinIndexOffset?: number | null;
}
interface ProtoSketch {
  mapping?: { gamma?: number | null; indexOffset?: number | null; interpolation?: number | null } | null;
  positiveValues?: ProtoStore | null;
  negativeValues?: ProtoStore | null;
  zeroCount?: number | null;
}
/** The library's compiled protobuf, loaded once (its fromProto `require`s it on every call). */
const proto = createRequire(import.meta.url)('@datadog/sketches-js/dist/ddsketch/proto/compiled.js') as {
  DDSketch: { decode(b: Uint8Array): ProtoSketch };
};

/**
 * The protobuf of a merged histogram, byte-identical to `toProto()` of a DDSketch holding the same
 * counts with tight bins. Written directly: protobufjs' writer costs more than the whole merge.
 */
export function encodeLatencyProto(m: MergedLatency): Buffer {
  const n = m.counts.length;
  const offset = n === 0 ? 0 : m.minKey;
  const positiveLen = (n === 0 ? 0 : 1 + varintSize(8 * n) + 8 * n) + 1 + varintSize(zigzag(offset));
  const out = Buffer.allocUnsafe(2 + 20 + 1 + varintSize(positiveLen) + positiveLen + 4 + 9);
  let at = 0;
  out[at++] = 0x0a; // mapping
  out[at++] = 20;
  out[at++] = 0x09;
  at = out.writeDoubleLE(LATENCY_MAPPING.gamma, at);
  out[at++] = 0x11;
  at = out.writeDoubleLE(0, at);
  out[at++] = 0x18;
  out[at++] = 0;
  out[at++] = 0x12; // positiveValues
  at = writeVarint(out, at, positiveLen);
  if (n > 0) {
    out[at++] = 0x12;
    at = writeVarint(out, at, 8 * n);
    if (LITTLE_ENDIAN) {
      if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
      for (let i = 0; i < n; i++) scratch[i] = m.counts[i]!;
      out.set(new Uint8Array(scratch.buffer, 0, 8 * n), at);
      at += 8 * n;
    } else for (let i = 0; i < n; i++) at = out.writeDoubleLE(m.counts[i]!, at);
  }
  out[at++] = 0x18;
  at = writeVarint(out, at, zigzag(offset));
  out[at++] = 0x1a; // negativeValues: empty, offset 0
  out[at++] = 2;
  out[at++] = 0x18;
  out[at++] = 0;
  out[at++] = 0x21; // zeroCount
  out.writeDoubleLE(m.zeroCount, at);
  return out;
}

/** Packed doubles are little-endian: on such a host they are staged in a reused Float64Array and copied as bytes. */
const LITTLE_ENDIAN = endianness() === 'LE';
let scratch = new Float64Array(512);

function zigzag(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

function varintSize(v: number): number {
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    size++;
  }
  return size;
}

function writeVarint(out: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[at++] = v;
  return at;
}

/** A library sketch holding the merged counts of `parts` (for tests and stage 2 tooling). */
export function sketchOf(parts: readonly LatencyBins[]): DDSketch {
  return decodeLatencySketch(encodeLatencyProto(mergeLatency(parts)));
}

/** Decodes `ArmWindow.latencySketch` into a mergeable library sketch. */
export function decodeLatencySketch(bytes: Uint8Array): DDSketch {
  const m = proto.DDSketch.decode(bytes);
  const mapping = m.mapping;
  if (
    mapping?.gamma !== LATENCY_MAPPING.gamma ||
    (mapping.indexOffset ?? 0) !== 0 ||
    (mapping.interpolation ?? 0) !== 0
  )
    return DDSketch.fromProto(bytes) as DDSketch;
  const sketch = new DDSketch({ relativeAccuracy: LATENCY_RELATIVE_ACCURACY });
  fill(sketch.store, m.positiveValues);
  fill(sketch.negativeStore, m.negativeValues);
  sketch.zeroCount = m.zeroCount ?? 0;
  sketch.count = sketch.zeroCount + sketch.store.count + sketch.negativeStore.count;
  return sketch;
}

function fill(store: DDSketch['store'], from: ProtoStore | null | undefined): void {
  const offset = from?.contiguousBinIndexOffset ?? 0;
  const counts = from?.contiguousBinCounts ?? [];
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) store.add(offset + i, counts[i]);
  for (const [key, count] of Object.entries(from?.binCounts ?? {}))
    if (count > 0) store.add(Number(key), count);
}

/** Decodes and merges several `latencySketch` payloads (e.g. a tier's tenants) into one sketch. */
export function mergeLatencySketches(payloads: readonly Uint8Array[]): DDSketch {
  const merged = new DDSketch({ relativeAccuracy: LATENCY_RELATIVE_ACCURACY });
  for (const bytes of payloads) merged.merge(decodeLatencySketch(bytes));
  return merged;
}

/** The value at quantile q (0..1) of a library sketch, 0 when it is empty (ms for latency). */
export function quantileOf(sketch: DDSketch, q: number): number {
  return sketch.count === 0 ? 0 : sketch.getValueAtQuantile(q);
}
