import type { MetricName } from '../aggregate/metrics.ts';

/**
 * How stage 2 reads each metric stage 1 (services/detect/aggregate/metrics.ts) puts in `ArmWindow.metrics`.
 */
export type MetricKind = 'rate' | 'mean';
/** Direction in which a change hurts: latency up, judge score down, output length either way. */
export type Harm = 'up' | 'down' | 'both';

export interface MetricSpec {
  readonly name: MetricName;
  /** rate: mean of 0/1 values (a two-proportion test); mean: a continuous value (Welch t) */
  readonly kind: MetricKind;
  readonly harm: Harm;
  /** for reasons: "error rate", "cost per request" */
  readonly label: string;
  /** '%' for rates, else the value's unit */
  readonly unit: string;
}

const spec = (name: MetricName, kind: MetricKind, harm: Harm, label: string, unit: string): MetricSpec => ({
  name,
  kind,
  harm,
  label,
  unit: kind === 'rate' ? '%' : unit,
});

export const METRICS: readonly MetricSpec[] = [
  spec('latency_ms', 'mean', 'up', 'mean latency', 'ms'),
  spec('ttft_ms', 'mean', 'up', 'time to first token', 'ms'),
  spec('cost_usd', 'mean', 'up', 'cost per request', 'USD'),
  spec('input_tokens', 'mean', 'up', 'input tokens per request', 'tokens'),
  spec('output_tokens', 'mean', 'up', 'output tokens per request', 'tokens'),
  spec('output_chars', 'mean', 'both', 'output length', 'chars'),
  spec('error_rate', 'rate', 'up', 'error rate', ''),
  spec('err_tool_call_failure', 'rate', 'up', 'tool-call failure rate', ''),
  spec('err_json_parse_error', 'rate', 'up', 'JSON parse error rate', ''),
  spec('err_context_overflow', 'rate', 'up', 'context overflow rate', ''),
  spec('err_timeout', 'rate', 'up', 'timeout rate', ''),
  spec('err_provider_error', 'rate', 'up', 'provider error rate', ''),
  spec('err_other_error', 'rate', 'up', 'other error rate', ''),
  spec('policy_block_rate', 'rate', 'up', 'policy block rate', ''),
  spec('tool_call_success', 'rate', 'down', 'tool-call success rate', ''),
  spec('refusal_rate', 'rate', 'up', 'refusal rate', ''),
  spec('retry_rate', 'rate', 'up', 'retry rate', ''),
  spec('thumbs_down_rate', 'rate', 'up', 'thumbs-down rate', ''),
  spec('task_completion', 'rate', 'down', 'task completion', ''),
  spec('policy_violation_rate', 'rate', 'up', 'policy violation rate', ''),
  spec('pii_rate', 'rate', 'up', 'PII rate', ''),
  spec('toxicity', 'mean', 'up', 'toxicity', 'score'),
  spec('judge_score', 'mean', 'down', 'judge score', 'score'),
  spec('semantic_similarity', 'mean', 'down', 'semantic similarity', 'score'),
];

const BY_NAME = new Map<string, MetricSpec>(METRICS.map((m) => [m.name, m]));

export function metricSpec(name: string): MetricSpec {
  const m = BY_NAME.get(name);
  if (!m) throw new Error(`unknown metric ${name}`);
  return m;
}

/** +1 when an increase hurts, -1 when a decrease hurts; 'both' is scored on |change|. */
export function harmSign(harm: Harm): 1 | -1 {
  return harm === 'down' ? -1 : 1;
}
