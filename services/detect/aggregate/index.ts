/** Stage 1 of detection (aggregation), pure: per-tenant windows of telemetry and evals -> SignalSnapshots. */
export {
  METRIC_NAMES,
  METRIC_SLOTS_OF,
  type MetricSlots,
  ERROR_KIND_METRICS,
  type MetricName,
  type MetricAccumulator,
  newMetricAccumulator,
  addTelemetryMetrics,
  addEvalMetrics,
  metricAggregate,
  metricRecord,
} from './metrics.ts';
export { LATENCY_RELATIVE_ACCURACY } from './latency-bins.ts';
export { decodeLatencySketch, mergeLatencySketches, quantileOf } from './latency-sketch.ts';
export {
  type AggregationParams,
  defaultAggregationParams,
  validateAggregationParams,
  InvalidAggregationParamsError,
} from './params.ts';
export {
  type ObserveVerdict,
  type TenantState,
  initialTenantState,
  advanceStreamTime,
  observeTelemetry,
  observeEval,
  isTenantStateIdle,
} from './tenant-state.ts';
export { type RolloutIdFor, closeWindows } from './close-windows.ts';
export { encodeTenantState, decodeTenantState } from './state-codec.ts';
export { TenantStateDecodeError } from './byte-io.ts';
