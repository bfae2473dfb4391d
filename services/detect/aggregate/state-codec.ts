/**
 * Binary encoding of a `TenantState` for the state store and its changelog. Exact: a decoded state
 * behaves like the original (same verdicts, byte-identical snapshots). Layout (version 2):
 * header, counters, series (buckets: metrics as 2-bit tags + varint/f64 values, latency as its
 * sparse keys or its non-zero dense counts, varints), open sub-windows' ids as 8-byte hashes.
 * Version 1 (ids as utf8 strings, every dense count) still decodes: its ids are hashed, so a store or changelog written
 * before the upgrade restores to the state the current version would have built.
 */
import type { Arm } from '../../../schemas/types.ts';
import { ArmSeries, Bucket } from './arm-series.ts';
import { ByteReader, ByteWriter, TenantStateDecodeError } from './byte-io.ts';
import { IdHashSet } from './id-hash-set.ts';
import { METRIC_SLOTS } from './metrics.ts';
import { initialTenantState, type TenantState } from './tenant-state.ts';

const VERSION = 2;
const VERSION_STRING_IDS = 1;
const ARMS: readonly Arm[] = ['stable', 'canary', 'shadow'];
/** Each metric slot has a 2-bit tag, 4 to a byte: 0 zero, 1 a positive integer (varint), 2 a double. */
const TAG_BYTES = Math.ceil(METRIC_SLOTS / 4);
const tags = new Uint8Array(TAG_BYTES * 4);
/** Reused by every encode (single-threaded, not re-entrant); `finish` copies the bytes out. */
const scratch = new ByteWriter();

export function encodeTenantState(s: TenantState): Buffer {
  const w = scratch;
  w.reset();
  w.u8(VERSION);
  w.str(s.tenantId);
  w.str(s.tenantTier);
  w.f64(s.nextCloseK);
  w.uvar(s.lateDropped);
  w.uvar(s.duplicatesDropped);
  w.uvar(s.futureDropped);
  w.uvar(s.untrackedIds);
  w.uvar(s.series.length);
  for (const x of s.series) {
    w.str(x.bundleId);
    w.u8(ARMS.indexOf(x.arm));
    w.str(x.baselineHint);
    w.uvar(x.buckets.length);
    for (const b of x.buckets) writeBucket(w, b);
  }
  w.uvar(s.idWindows.length);
  for (const ids of s.idWindows) {
    w.svar(ids.k);
    ids.telemetry.write(w);
    ids.evals.write(w);
  }
  return w.finish();
}

/** Throws {@link TenantStateDecodeError} (not retriable) on bytes it cannot read. */
export function decodeTenantState(bytes: Buffer): TenantState {
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version !== VERSION && version !== VERSION_STRING_IDS)
    throw new TenantStateDecodeError(`unknown tenant state version ${version}`);
  const s = initialTenantState(r.str());
  s.tenantTier = r.str();
  s.nextCloseK = r.f64();
  s.lateDropped = r.uvar();
  s.duplicatesDropped = r.uvar();
  s.futureDropped = r.uvar();
  s.untrackedIds = r.uvar();
  for (let n = r.count(); n > 0; n--) {
    const bundleId = r.str();
    const arm = ARMS[r.u8()];
    if (arm === undefined) throw new TenantStateDecodeError('unknown arm');
    const x = new ArmSeries(bundleId, arm);
    x.baselineHint = r.str();
    for (let m = r.count(); m > 0; m--) x.buckets.push(readBucket(r, version));
    s.series.push(x);
  }
  for (let n = r.count(); n > 0; n--) {
    const k = r.svar();
    const ids =
      version === VERSION
        ? { k, telemetry: IdHashSet.read(r), evals: IdHashSet.read(r) }
        : { k, telemetry: IdHashSet.of(readStrings(r)), evals: IdHashSet.of(readStrings(r)) };
    s.trackedIds += ids.telemetry.size + ids.evals.size;
    s.idWindows.push(ids);
  }
  r.end();
  return s;
}

function readStrings(r: ByteReader): string[] {
  const out = new Array<string>(r.count());
  for (let i = 0; i < out.length; i++) out[i] = r.str();
  return out;
}

function tagOf(v: number): number {
  if (v === 0) return 0;
  return v > 0 && Number.isSafeInteger(v) ? 1 : 2;
}

function writeBucket(w: ByteWriter, b: Bucket): void {
  w.svar(b.k);
  const m = b.metrics;
  for (let i = 0; i < METRIC_SLOTS; i++) tags[i] = tagOf(m[i]!);
  tags.fill(0, METRIC_SLOTS);
  for (let i = 0; i < TAG_BYTES * 4; i += 4)
    w.u8(tags[i]! | (tags[i + 1]! << 2) | (tags[i + 2]! << 4) | (tags[i + 3]! << 6));
  for (let i = 0; i < METRIC_SLOTS; i++) {
    const tag = tags[i];
    if (tag === 1) w.uvar(m[i]!);
    else if (tag === 2) w.f64(m[i]!);
  }
  const lat = b.latency;
  w.uvar(lat.zeroCount);
  if (lat.keys !== null) {
    w.u8(0);
    w.uvar(lat.keys.length);
    if (lat.keys.length === 0) return;
    w.svar(lat.minKey);
    for (const key of lat.keys) w.uvar(key - lat.minKey);
    return;
  }
  w.u8(1);
  w.svar(lat.minKey);
  w.uvar(lat.maxKey - lat.minKey + 1);
  const counts = lat.counts!;
  const from = lat.minKey - lat.offset;
  const to = lat.maxKey - lat.offset;
  let nonZero = 0;
  for (let i = from; i <= to; i++) if (counts[i] !== 0) nonZero++;
  w.uvar(nonZero);
  let previous = from - 1;
  for (let i = from; i <= to; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    w.uvar(i - previous - 1);
    w.uvar(c);
    previous = i;
  }
}

/** Dense counts: v1 every count of the span; v2 the non-zero ones as (zeros skipped, count) pairs. */
function readDenseCounts(r: ByteReader, version: number): number[] {
  const counts = new Array<number>(r.count());
  if (version === VERSION_STRING_IDS) {
    for (let i = 0; i < counts.length; i++) counts[i] = r.uvar();
    return counts;
  }
  counts.fill(0);
  let i = -1;
  for (let n = r.count(); n > 0; n--) {
    i += r.uvar() + 1;
    if (i >= counts.length) throw new TenantStateDecodeError('bad latency bins');
    counts[i] = r.uvar();
  }
  return counts;
}

function readBucket(r: ByteReader, version: number): Bucket {
  const b = new Bucket(r.svar());
  for (let byte = 0; byte < TAG_BYTES; byte++) {
    const bits = r.u8();
    for (let j = 0; j < 4; j++) tags[byte * 4 + j] = (bits >> (2 * j)) & 3;
  }
  for (let i = 0; i < METRIC_SLOTS; i++) {
    const tag = tags[i];
    if (tag === 1) b.metrics[i] = r.uvar();
    else if (tag === 2) b.metrics[i] = r.f64();
    else if (tag === 3) throw new TenantStateDecodeError('bad metric tag');
  }
  const zeroCount = r.uvar();
  if (r.u8() === 0) {
    const keys = new Array<number>(r.count());
    const minKey = keys.length === 0 ? 0 : r.svar();
    for (let i = 0; i < keys.length; i++) keys[i] = minKey + r.uvar();
    b.latency.loadSparse(zeroCount, keys);
  } else {
    const minKey = r.svar();
    const counts = readDenseCounts(r, version);
    if (counts.length === 0 || counts[0] === 0 || counts.at(-1) === 0)
      throw new TenantStateDecodeError('bad latency bins');
    b.latency.loadDense(zeroCount, minKey, counts);
  }
  return b;
}
