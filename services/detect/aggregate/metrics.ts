/**
 * The metrics carried in `ArmWindow.metrics`, and their extraction from one event.
 *
 * Every metric is a stream of per-observation values folded into a `MetricAggregate`
 * (count, sum, sumSq), so mean = sum / count and variance follows from sumSq. A rate is the mean
 * of 0/1 values (sumSq = sum). Units per metric:
 *
 * | metric | value per observation | observed on |
 * | --- | --- | --- |
 * | latency_ms | ms | every request |
 * | ttft_ms | ms to first token | requests with timeToFirstTokenMs |
 * | cost_usd | USD | every request |
 * | input_tokens, output_tokens | tokens | every request |
 * | output_chars | characters | every request |
 * | error_rate | 1 if outcome != ok (policy_block included) | every request |
 * | err_<kind> | 1 if outcome = <kind> | every request |
 * | policy_block_rate | 1 if outcome = policy_block | every request |
 * | tool_call_success | 1 per successful tool call: count = toolCallsAttempted, sum = toolCallsSucceeded | each tool call |
 * | refusal_rate, retry_rate, policy_violation_rate | 0/1 | every request |
 * | thumbs_down_rate | 1 if feedback = down | requests with feedback != none |
 * | task_completion | 1 if taskCompleted | requests with taskCompleted != null |
 * | pii_rate | 1 if piiScore >= piiFlagThreshold | requests with piiScore |
 * | toxicity | score 0..1 | requests with toxicity |
 * | judge_score | score 0..1 | eval events |
 * | semantic_similarity | 0..1 to the baseline's answer | eval events with semanticSimilarity |
 *
 * A non-finite or negative numeric field is not observed (the metric's count does not move).
 */
import type { EvalEvent, MetricAggregate, Outcome, TelemetryEvent } from '../../../schemas/types.ts';

export const METRIC_NAMES = [
  'latency_ms',
  'ttft_ms',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'output_chars',
  'error_rate',
  'err_tool_call_failure',
  'err_json_parse_error',
  'err_context_overflow',
  'err_timeout',
  'err_provider_error',
  'err_other_error',
  'policy_block_rate',
  'tool_call_success',
  'refusal_rate',
  'retry_rate',
  'thumbs_down_rate',
  'task_completion',
  'policy_violation_rate',
  'pii_rate',
  'toxicity',
  'judge_score',
  'semantic_similarity',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** Error kinds with their own rate metric: outcome -> `err_<outcome>`. */
export const ERROR_KIND_METRICS = Object.freeze({
  tool_call_failure: 'err_tool_call_failure',
  json_parse_error: 'err_json_parse_error',
  context_overflow: 'err_context_overflow',
  timeout: 'err_timeout',
  provider_error: 'err_provider_error',
  other_error: 'err_other_error',
} as const satisfies Partial<Record<Outcome, MetricName>>);

/** 0/1 metrics observed on every request: they share one count slot (requests), and sumSq = sum. */
const REQUEST_FLAGS: readonly MetricName[] = [
  'error_rate',
  ...Object.values(ERROR_KIND_METRICS),
  'policy_block_rate',
  'refusal_rate',
  'retry_rate',
  'policy_violation_rate',
];
/** 0/1 metrics observed on some requests (tool calls, for tool_call_success): own count, sumSq = sum. */
const CONDITIONAL_FLAGS: readonly MetricName[] = [
  'tool_call_success',
  'thumbs_down_rate',
  'task_completion',
  'pii_rate',
];

/** Where a metric lives in a {@link MetricAccumulator}: the slots of its count, sum and sum of squares. */
export interface MetricSlots {
  readonly count: number;
  readonly sum: number;
  readonly sumSq: number;
}

function layout(): Record<MetricName, MetricSlots> {
  const out = {} as Record<MetricName, MetricSlots>;
  let next = 1; // slot 0: requests, the count of every request flag
  for (const name of METRIC_NAMES) {
    if (REQUEST_FLAGS.includes(name)) out[name] = { count: 0, sum: next, sumSq: next++ };
    else if (CONDITIONAL_FLAGS.includes(name)) {
      out[name] = { count: next, sum: next + 1, sumSq: next + 1 };
      next += 2;
    } else {
      out[name] = { count: next, sum: next + 1, sumSq: next + 2 };
      next += 3;
    }
  }
  return out;
}

/**
 * The slots of every metric in an accumulator: a flat array of doubles holding each metric's
 * count, sum and sumSq, shared or aliased where equal by construction. An accumulator is owned by
 * one sub-window bucket and merged by element-wise addition.
 */
export const METRIC_SLOTS_OF: Readonly<Record<MetricName, MetricSlots>> = Object.freeze(layout());
export const METRIC_SLOTS = Math.max(...Object.values(METRIC_SLOTS_OF).map((m) => m.sumSq)) + 1;

export type MetricAccumulator = number[];

/** All zeros with unboxed double elements: a clone is a plain copy (no off-heap buffer, unlike a Float64Array). */
const ZEROS: readonly number[] = new Array<number>(METRIC_SLOTS).fill(0.5).fill(0);

export function newMetricAccumulator(): MetricAccumulator {
  return ZEROS.slice();
}

const M = METRIC_SLOTS_OF;
const REQUESTS = 0;
const ERROR = M.error_rate.sum;
const OUTCOME_SLOT: Record<Outcome, number> = {
  ok: -1,
  policy_block: M.policy_block_rate.sum,
  tool_call_failure: M.err_tool_call_failure.sum,
  json_parse_error: M.err_json_parse_error.sum,
  context_overflow: M.err_context_overflow.sum,
  timeout: M.err_timeout.sum,
  provider_error: M.err_provider_error.sum,
  other_error: M.err_other_error.sum,
};

/** Observes an amount; a missing, non-finite or negative one is not observed. */
function amount(acc: MetricAccumulator, m: MetricSlots, v: number | null): void {
  if (v === null || !(v >= 0 && v < Infinity)) return;
  acc[m.count]! += 1;
  acc[m.sum]! += v;
  acc[m.sumSq]! += v * v;
}

/** Observes one 0/1 value of a conditional flag. */
function flag(acc: MetricAccumulator, m: MetricSlots, on: boolean): void {
  acc[m.count]! += 1;
  if (on) acc[m.sum]! += 1;
}

/** Adds one telemetry event's observations to `acc` (in place). `piiFlagThreshold` is a 0..1 score. */
export function addTelemetryMetrics(
  acc: MetricAccumulator,
  e: TelemetryEvent,
  piiFlagThreshold: number,
): void {
  acc[REQUESTS]! += 1;
  amount(acc, M.latency_ms, e.latencyMs);
  amount(acc, M.ttft_ms, e.timeToFirstTokenMs);
  amount(acc, M.cost_usd, e.costUsd);
  amount(acc, M.input_tokens, e.inputTokens);
  amount(acc, M.output_tokens, e.outputTokens);
  amount(acc, M.output_chars, e.outputChars);
  const outcome = e.outcome;
  if (outcome !== 'ok') {
    acc[ERROR]! += 1;
    acc[OUTCOME_SLOT[outcome]]! += 1;
  }
  if (e.refusal) acc[M.refusal_rate.sum]! += 1;
  if (e.retried) acc[M.retry_rate.sum]! += 1;
  if (e.policyViolation) acc[M.policy_violation_rate.sum]! += 1;
  const attempted = e.toolCallsAttempted;
  if (attempted > 0) {
    acc[M.tool_call_success.count]! += attempted;
    acc[M.tool_call_success.sum]! += Math.max(0, Math.min(e.toolCallsSucceeded, attempted));
  }
  if (e.feedback !== 'none') flag(acc, M.thumbs_down_rate, e.feedback === 'down');
  if (e.taskCompleted !== null) flag(acc, M.task_completion, e.taskCompleted);
  const pii = e.piiScore;
  if (pii !== null && pii === pii) flag(acc, M.pii_rate, pii >= piiFlagThreshold);
  amount(acc, M.toxicity, e.toxicity);
}

/** Adds one eval event's observations (judge_score, semantic_similarity) to `acc` (in place). */
export function addEvalMetrics(acc: MetricAccumulator, e: EvalEvent): void {
  amount(acc, M.judge_score, e.judgeScore);
  amount(acc, M.semantic_similarity, e.semanticSimilarity);
}

/** `into += from`, element-wise. */
export function mergeMetricAccumulator(into: MetricAccumulator, from: MetricAccumulator): void {
  for (let i = 0; i < METRIC_SLOTS; i++) into[i]! += from[i]!;
}

/** Telemetry events (requests) folded into an accumulator. */
export function requestsOf(acc: MetricAccumulator): number {
  return acc[REQUESTS]!;
}

/** One metric's aggregate out of an accumulator. */
export function metricAggregate(acc: MetricAccumulator, name: MetricName): MetricAggregate {
  const m = M[name];
  return { count: acc[m.count]!, sum: acc[m.sum]!, sumSq: acc[m.sumSq]! };
}

const SLOT_LIST = METRIC_NAMES.map((name) => [name, M[name]] as const);

/** The wire map of an accumulator: metrics with count > 0, in METRIC_NAMES order (absent = not observed). */
export function metricRecord(acc: MetricAccumulator): Record<string, MetricAggregate> {
  const out: Record<string, MetricAggregate> = {};
  for (const [name, m] of SLOT_LIST) {
    const count = acc[m.count]!;
    if (count > 0) out[name] = { count, sum: acc[m.sum]!, sumSq: acc[m.sumSq]! };
  }
  return out;
}
