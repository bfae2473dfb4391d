import type { ArmWindow, MetricAggregate } from '../../../schemas/types.ts';
import type { ArmView, StoredArm } from './arm.ts';
import { slotOf } from './metric-slots.ts';
import { decodeSketchBytes } from './sketch-codec.ts';

/**
 * How the metrics of an arm with one key order are kept: the keys sorted, where each sits in the arm's
 * key order, and its slot in the sums vector. Stage 1 writes arms in a few key orders, so plans are kept
 * by key order (compared key by key).
 */
interface StorePlan {
  readonly names: readonly string[];
  readonly sorted: readonly string[];
  /** index into `names` of sorted key i */
  readonly from: Int32Array;
  /** 3 * slot of sorted key i */
  readonly at: Int32Array;
  readonly width: number;
}

const plans: StorePlan[] = [];
const PLANS_KEPT = 16;

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function planOf(names: string[]): StorePlan {
  for (const p of plans) if (sameNames(p.names, names)) return p;
  const sorted = [...names].sort();
  const from = new Int32Array(sorted.length);
  const at = new Int32Array(sorted.length);
  let width = 0;
  for (let i = 0; i < sorted.length; i++) {
    from[i] = names.indexOf(sorted[i]!);
    at[i] = 3 * slotOf(sorted[i]!);
    width = Math.max(width, at[i]! + 3);
  }
  const plan = { names, sorted, from, at, width };
  if (plans.length >= PLANS_KEPT) plans.shift();
  plans.push(plan);
  return plan;
}

/**
 * A stored arm kept decoded: its sums vector and sketch are the view stage 2 reads, and its JSON form
 * (metrics sorted by key, sketch as base64 protobuf, exactly what a plain {@link StoredArm} holds) is
 * built only when asked for, e.g. when the trigger persists the state. Immutable.
 */
export class LiveArm implements StoredArm {
  readonly #plan: StorePlan;
  readonly #sums: Float64Array;
  readonly #bytes: Uint8Array;
  readonly #view: ArmView | null;
  #metrics: Record<string, MetricAggregate> | null = null;
  #sketch: string | null = null;

  constructor(
    readonly requests: number,
    plan: StorePlan,
    sums: Float64Array,
    bytes: Uint8Array,
  ) {
    this.#plan = plan;
    this.#sums = sums;
    this.#bytes = bytes;
    let view: ArmView | null = null;
    try {
      const sketch = bytes.length > 0 ? decodeSketchBytes(asBuffer(bytes)) : null;
      view = { requests: requests + 0, sums, handedOut: [], sketch };
    } catch {
      // undecodable bytes fail where the arm is first read (from `sketch`), as for a plain arm
    }
    this.#view = view;
  }

  /** The decoded view; null when the sketch bytes do not decode. */
  liveView(): ArmView | null {
    return this.#view;
  }

  get metrics(): Readonly<Record<string, MetricAggregate>> {
    if (this.#metrics === null) {
      const { sorted, at } = this.#plan;
      const sums = this.#sums;
      const metrics: Record<string, MetricAggregate> = {};
      for (let i = 0; i < sorted.length; i++) {
        const k = at[i]!;
        metrics[sorted[i]!] = { count: sums[k]!, sum: sums[k + 1]!, sumSq: sums[k + 2]! };
      }
      this.#metrics = metrics;
    }
    return this.#metrics;
  }

  get sketch(): string {
    this.#sketch ??= this.#bytes.length > 0 ? asBuffer(this.#bytes).toString('base64') : '';
    return this.#sketch;
  }

  toJSON(): StoredArm {
    return { requests: this.requests, metrics: this.metrics, sketch: this.sketch };
  }
}

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** Stores a snapshot's arm (copies what it keeps: the snapshot stays the caller's). */
export function storeArm(w: ArmWindow): StoredArm {
  const names = Object.keys(w.metrics);
  const plan = planOf(names);
  const sums = new Float64Array(plan.width);
  for (let i = 0; i < plan.sorted.length; i++) {
    const a = w.metrics[plan.sorted[i]!]!;
    const k = plan.at[i]!;
    sums[k] = a.count + 0;
    sums[k + 1] = a.sum + 0;
    sums[k + 2] = a.sumSq + 0;
  }
  return new LiveArm(w.requests, plan, sums, new Uint8Array(w.latencySketch));
}
