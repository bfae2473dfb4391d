/** Folds a run of sub-window buckets of one (bundle, arm) into the wire `ArmWindow`. */
import type { ArmWindow } from '../../../schemas/types.ts';
import type { Bucket } from './arm-series.ts';
import { mergeMetricAccumulator, metricRecord, newMetricAccumulator, requestsOf } from './metrics.ts';
import { latencyQuantile, type MergedLatency } from './latency-bins.ts';
import { encodeLatencyProto } from './latency-sketch.ts';

/**
 * The wire aggregate of a range: requests and metrics (count > 0) summed over `parts` (buckets or
 * blocks, ascending by k; may be empty), latency p50/p95/p99 in ms (0 when there is no latency)
 * and the sketch protobuf from `merged`, the same range's latency.
 */
export function armWindowOf(bundleId: string, parts: readonly Bucket[], merged: MergedLatency): ArmWindow {
  const acc = newMetricAccumulator();
  for (const b of parts) mergeMetricAccumulator(acc, b.metrics);
  return {
    bundleId,
    requests: requestsOf(acc),
    metrics: metricRecord(acc),
    latencyP50: latencyQuantile(merged, 0.5),
    latencyP95: latencyQuantile(merged, 0.95),
    latencyP99: latencyQuantile(merged, 0.99),
    latencySketch: encodeLatencyProto(merged),
  };
}
