import type { ArmWindow, MetricAggregate } from '../../../schemas/types.ts';
import { EMPTY_AGGREGATE } from './stats.ts';
import { mergeSketches, type Sketch } from './sketch.ts';
import { decodeSketch, decodeSketchBytes } from './sketch-codec.ts';

/** An arm's window as kept in the rollout state: JSON-safe, sketch as base64 protobuf. */
export interface StoredArm {
  readonly requests: number;
  /** keys sorted */
  readonly metrics: Readonly<Record<string, MetricAggregate>>;
  /** DDSketch protobuf, base64; '' when empty */
  readonly sketch: string;
}

/**
 * One or more stored arms merged for testing. Metric sums live in a flat vector (three numbers per
 * metric slot, see {@link metricOf}); views are shared between rules and must not be mutated.
 */
export interface ArmView {
  readonly requests: number;
  /** count, sum, sumSq of the metric in slot i at 3i, 3i+1, 3i+2; slots past the end are empty */
  readonly sums: Float64Array;
  /** the aggregates {@link metricOf} handed out, by slot */
  readonly handedOut: (MetricAggregate | undefined)[];
  readonly sketch: Sketch | null;
}

export const EMPTY_VIEW: ArmView = Object.freeze({
  requests: 0,
  sums: new Float64Array(0),
  handedOut: [],
  sketch: null,
});

/** Metric name -> slot in {@link ArmView.sums}; grows as new names appear, never reorders. */
const slots = new Map<string, number>();

function slotOf(name: string): number {
  let i = slots.get(name);
  if (i === undefined) {
    i = slots.size;
    slots.set(name, i);
  }
  return i;
}

/** Stores a snapshot's arm; its view is decoded from the bytes at hand rather than later from base64. */
export function storeArm(w: ArmWindow): StoredArm {
  const metrics: Record<string, MetricAggregate> = {};
  const names = Object.keys(w.metrics);
  if (!isSorted(names)) names.sort();
  const at = new Array<number>(names.length);
  let width = 0;
  for (let i = 0; i < names.length; i++) {
    const slot = 3 * slotOf(names[i]!);
    at[i] = slot;
    if (slot + 3 > width) width = slot + 3;
  }
  const sums = new Float64Array(width);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const a = w.metrics[name]!;
    const m = { count: a.count, sum: a.sum + 0, sumSq: a.sumSq + 0 };
    metrics[name] = m;
    const slot = at[i]!;
    sums[slot] = m.count + 0;
    sums[slot + 1] = m.sum;
    sums[slot + 2] = m.sumSq;
  }
  const bytes = w.latencySketch;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const arm = { requests: w.requests, metrics, sketch: bytes.length > 0 ? buffer.toString('base64') : '' };
  try {
    const sketch = bytes.length > 0 ? decodeSketchBytes(buffer) : null;
    single.set(arm, { requests: arm.requests + 0, sums, handedOut: [], sketch });
  } catch {
    // undecodable bytes fail where the arm is first read, as before
  }
  return arm;
}

function isSorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

/**
 * The view of one stored arm, decoded once: stored arms are never mutated (a re-sent window replaces
 * the object), so the object itself is the cache key and a decoded state gets fresh ones.
 */
const single = new WeakMap<StoredArm, ArmView>();

function viewOfOne(arm: StoredArm): ArmView {
  let v = single.get(arm);
  if (v === undefined) {
    v = sumArms([arm], decodeSketch(arm.sketch));
    single.set(arm, v);
  }
  return v;
}

/**
 * Sums the arms' requests and metrics in the order given (each metric from 0, arm after arm, as
 * adding aggregates one by one does), so merged figures are the same doubles in every run.
 */
function sumArms(arms: readonly StoredArm[], sketch: Sketch | null): ArmView {
  let requests = 0;
  for (const arm of arms) requests += arm.requests;
  let width = 0;
  const vectors: Float64Array[] = [];
  for (const arm of arms) {
    const v = arms.length === 1 ? vectorOf(arm) : viewOfOne(arm).sums;
    vectors.push(v);
    if (v.length > width) width = v.length;
  }
  const sums = new Float64Array(width);
  for (const v of vectors) for (let i = 0; i < v.length; i++) sums[i]! += v[i]!;
  return { requests, sums, handedOut: [], sketch };
}

function vectorOf(arm: StoredArm): Float64Array {
  const names = Object.keys(arm.metrics);
  let width = 0;
  for (const name of names) width = Math.max(width, 3 * slotOf(name) + 3);
  const v = new Float64Array(width);
  for (const name of names) {
    const a = arm.metrics[name]!;
    const at = 3 * slotOf(name);
    v[at] = a.count + 0;
    v[at + 1] = a.sum + 0;
    v[at + 2] = a.sumSq + 0;
  }
  return v;
}

interface Merged {
  readonly arms: readonly StoredArm[];
  readonly view: ArmView;
}

/** Views of several arms, under their first arm: the same span is merged by several rules each window. */
const merged = new WeakMap<StoredArm, Merged[]>();
const MERGED_PER_ARM = 6;

function sameArms(a: readonly StoredArm[], b: readonly StoredArm[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Merges stored arms (sums of aggregates in the given order, merged sketch). Views are shared: read-only. */
export function viewOf(arms: readonly StoredArm[]): ArmView {
  if (arms.length === 0) return EMPTY_VIEW;
  if (arms.length === 1) return viewOfOne(arms[0]!);
  const first = arms[0]!;
  let entries = merged.get(first);
  if (entries === undefined) {
    entries = [];
    merged.set(first, entries);
  }
  for (const e of entries) if (sameArms(e.arms, arms)) return e.view;
  const view = mergeArms(arms);
  if (entries.length >= MERGED_PER_ARM) entries.shift();
  entries.push({ arms: arms.slice(), view });
  return view;
}

function mergeArms(arms: readonly StoredArm[]): ArmView {
  const sketches: Sketch[] = [];
  for (const arm of arms) {
    const s = viewOfOne(arm).sketch;
    if (s !== null) sketches.push(s);
  }
  return sumArms(arms, mergeSketches(sketches));
}

/** The aggregate of metric `name` in the view; the empty aggregate when no arm has it. */
export function metricOf(view: ArmView, name: string): MetricAggregate {
  const i = slots.get(name);
  if (i === undefined || 3 * i >= view.sums.length) return EMPTY_AGGREGATE;
  let m = view.handedOut[i];
  if (m === undefined) {
    const s = view.sums;
    m = { count: s[3 * i]!, sum: s[3 * i + 1]!, sumSq: s[3 * i + 2]! };
    view.handedOut[i] = m;
  }
  return m;
}

/** An arm seen over the spans the rules need: the snapshot's window, and the latency act/flag spans. */
export interface Spans {
  readonly one: ArmView;
  readonly act: ArmView;
  readonly flag: ArmView;
}

export function sameSpans(view: ArmView): Spans {
  return { one: view, act: view, flag: view };
}
