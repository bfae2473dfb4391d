import type { ArmWindow, MetricAggregate } from '../../../schemas/types.ts';
import { EMPTY_AGGREGATE, addAggregates } from './stats.ts';
import { mergeEncoded, type Sketch } from './sketch.ts';

/** An arm's window as kept in the rollout state: JSON-safe, sketch as base64 protobuf. */
export interface StoredArm {
  readonly requests: number;
  /** keys sorted */
  readonly metrics: Readonly<Record<string, MetricAggregate>>;
  /** DDSketch protobuf, base64; '' when empty */
  readonly sketch: string;
}

/** One or more stored arms merged for testing. */
export interface ArmView {
  readonly requests: number;
  readonly metrics: Readonly<Record<string, MetricAggregate>>;
  readonly sketch: Sketch | null;
}

export const EMPTY_VIEW: ArmView = Object.freeze({ requests: 0, metrics: {}, sketch: null });

export function storeArm(w: ArmWindow): StoredArm {
  const metrics: Record<string, MetricAggregate> = {};
  for (const name of Object.keys(w.metrics).sort()) {
    const a = w.metrics[name]!;
    metrics[name] = { count: a.count, sum: a.sum + 0, sumSq: a.sumSq + 0 };
  }
  const bytes = w.latencySketch;
  return {
    requests: w.requests,
    metrics,
    sketch: bytes.length > 0 ? Buffer.from(bytes).toString('base64') : '',
  };
}

/** Merges stored arms (sums of aggregates, merged sketch). */
export function viewOf(arms: readonly StoredArm[]): ArmView {
  if (arms.length === 0) return EMPTY_VIEW;
  const metrics: Record<string, MetricAggregate> = {};
  let requests = 0;
  for (const arm of arms) {
    requests += arm.requests;
    for (const name of Object.keys(arm.metrics)) {
      metrics[name] = addAggregates(metrics[name] ?? EMPTY_AGGREGATE, arm.metrics[name]!);
    }
  }
  return { requests, metrics, sketch: mergeEncoded(arms.map((a) => a.sketch)) };
}

export function metricOf(view: ArmView, name: string): MetricAggregate {
  return view.metrics[name] ?? EMPTY_AGGREGATE;
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
