import type { MetricAggregate } from '../../../schemas/types.ts';
import { EMPTY_AGGREGATE } from './stats.ts';
import { mergeSketches, type Sketch } from './sketch.ts';
import { decodeSketch } from './sketch-codec.ts';
import { LiveArm } from './live-arm.ts';
import { knownSlot, slotOf } from './metric-slots.ts';

export { storeArm } from './live-arm.ts';

/**
 * An arm's window as kept in the rollout state, in its JSON form: a plain object once a state is
 * decoded, a {@link LiveArm} (same JSON) when stored from a snapshot.
 */
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

/**
 * The view of one stored arm, decoded once: stored arms are never mutated (a re-sent window replaces
 * the object), so the object itself is the cache key and a decoded state gets fresh ones.
 */
const single = new WeakMap<StoredArm, ArmView>();

function viewOfOne(arm: StoredArm): ArmView {
  const live = arm instanceof LiveArm ? arm.liveView() : null;
  if (live !== null) return live;
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

/** Whether `a` is the first `n` arms of `b` (all of them by default). */
function sameArms(a: readonly StoredArm[], b: readonly StoredArm[], n = b.length): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
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
  const last = arms.length - 1;
  const prefix = last === 1 ? viewOfOne(first) : entries.find((e) => sameArms(e.arms, arms, last))?.view;
  const view = prefix ? extendView(prefix, viewOfOne(arms[last]!)) : mergeArms(arms);
  if (entries.length >= MERGED_PER_ARM) entries.shift();
  entries.push({ arms: arms.slice(), view });
  return view;
}

/**
 * The view of a prefix's arms and one more: the same doubles as merging them all ({@link sumArms} adds
 * arm after arm from 0, and 0 + x = x for the stored +0-normalized figures; sketch counts are whole
 * numbers, so merging the prefix's merged sketch with the last one gives the same counts).
 */
function extendView(prefix: ArmView, last: ArmView): ArmView {
  const a = prefix.sums;
  const b = last.sums;
  const sums = new Float64Array(Math.max(a.length, b.length));
  sums.set(a);
  for (let i = 0; i < b.length; i++) sums[i]! += b[i]!;
  const sketch =
    prefix.sketch === null
      ? last.sketch
      : last.sketch === null
        ? prefix.sketch
        : mergeSketches([prefix.sketch, last.sketch]);
  return { requests: prefix.requests + last.requests, sums, handedOut: [], sketch };
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
  const i = knownSlot(name);
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
