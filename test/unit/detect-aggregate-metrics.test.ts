import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvalEvent, TelemetryEvent } from '../../schemas/types.ts';
import {
  METRIC_NAMES,
  type MetricAccumulator,
  addEvalMetrics,
  addTelemetryMetrics,
  metricAggregate,
  metricRecord,
  newMetricAccumulator,
} from '../../services/detect/aggregate/metrics.ts';

const base: TelemetryEvent = {
  eventId: 'e1',
  timestamp: 1_700_000_040_000,
  tenantId: 't1',
  tenantTier: 'pro',
  gatewayId: 'g1',
  sessionId: null,
  bundleId: 'b-c',
  arm: 'canary',
  latencyMs: 250,
  timeToFirstTokenMs: 40,
  inputTokens: 1000,
  outputTokens: 200,
  costUsd: 0.0125,
  outcome: 'ok',
  toolCallsAttempted: 0,
  toolCallsSucceeded: 0,
  outputChars: 900,
  refusal: false,
  retried: false,
  feedback: 'none',
  taskCompleted: null,
  policyViolation: false,
  piiScore: null,
  toxicity: null,
};

function extract(e: Partial<TelemetryEvent>, threshold = 0.5): MetricAccumulator {
  const acc = newMetricAccumulator();
  addTelemetryMetrics(acc, { ...base, ...e }, threshold);
  return acc;
}

describe('metric extraction', () => {
  test('names are unique and include every required metric', () => {
    assert.equal(new Set(METRIC_NAMES).size, METRIC_NAMES.length);
    for (const m of [
      'latency_ms',
      'err_timeout',
      'tool_call_success',
      'pii_rate',
      'judge_score',
      'semantic_similarity',
    ])
      assert.ok((METRIC_NAMES as readonly string[]).includes(m), m);
  });

  test('amounts of an ok request: one observation each, in the event units', () => {
    const acc = extract({});
    assert.deepEqual(metricAggregate(acc, 'latency_ms'), { count: 1, sum: 250, sumSq: 62_500 });
    assert.deepEqual(metricAggregate(acc, 'ttft_ms'), { count: 1, sum: 40, sumSq: 1600 });
    assert.deepEqual(metricAggregate(acc, 'cost_usd'), { count: 1, sum: 0.0125, sumSq: 0.0125 * 0.0125 });
    assert.deepEqual(metricAggregate(acc, 'input_tokens'), { count: 1, sum: 1000, sumSq: 1e6 });
    assert.deepEqual(metricAggregate(acc, 'output_tokens'), { count: 1, sum: 200, sumSq: 40_000 });
    assert.deepEqual(metricAggregate(acc, 'output_chars'), { count: 1, sum: 900, sumSq: 810_000 });
    assert.deepEqual(metricAggregate(acc, 'error_rate'), { count: 1, sum: 0, sumSq: 0 });
    assert.deepEqual(metricAggregate(acc, 'err_timeout'), { count: 1, sum: 0, sumSq: 0 });
    assert.deepEqual(metricAggregate(acc, 'refusal_rate'), { count: 1, sum: 0, sumSq: 0 });
  });

  test('conditional metrics are not observed when their field is absent', () => {
    const acc = extract({ timeToFirstTokenMs: null });
    for (const m of [
      'ttft_ms',
      'thumbs_down_rate',
      'task_completion',
      'pii_rate',
      'toxicity',
      'tool_call_success',
    ] as const)
      assert.equal(metricAggregate(acc, m).count, 0, m);
    assert.equal(metricAggregate(acc, 'judge_score').count, 0);
    assert.deepEqual(Object.keys(metricRecord(acc)).includes('ttft_ms'), false);
  });

  test('each error outcome counts in error_rate and in its own kind only', () => {
    const kinds = [
      'tool_call_failure',
      'json_parse_error',
      'context_overflow',
      'timeout',
      'provider_error',
      'other_error',
    ] as const;
    for (const kind of kinds) {
      const acc = extract({ outcome: kind });
      assert.equal(metricAggregate(acc, 'error_rate').sum, 1, kind);
      assert.equal(metricAggregate(acc, 'policy_block_rate').sum, 0, kind);
      for (const other of kinds)
        assert.equal(metricAggregate(acc, `err_${other}`).sum, other === kind ? 1 : 0);
    }
    const blocked = extract({ outcome: 'policy_block' });
    assert.equal(metricAggregate(blocked, 'error_rate').sum, 1);
    assert.equal(metricAggregate(blocked, 'policy_block_rate').sum, 1);
    for (const other of kinds) assert.equal(metricAggregate(blocked, `err_${other}`).sum, 0);
  });

  test('tool_call_success counts tool calls, not requests', () => {
    const acc = extract({ toolCallsAttempted: 4, toolCallsSucceeded: 3 });
    assert.deepEqual(metricAggregate(acc, 'tool_call_success'), { count: 4, sum: 3, sumSq: 3 });
    const clamped = extract({ toolCallsAttempted: 2, toolCallsSucceeded: 5 });
    assert.deepEqual(metricAggregate(clamped, 'tool_call_success'), { count: 2, sum: 2, sumSq: 2 });
  });

  test('feedback, task completion, pii threshold, toxicity, flags', () => {
    const acc = newMetricAccumulator();
    addTelemetryMetrics(
      acc,
      { ...base, feedback: 'down', taskCompleted: false, piiScore: 0.5, toxicity: 0.2, refusal: true },
      0.5,
    );
    addTelemetryMetrics(
      acc,
      { ...base, feedback: 'up', taskCompleted: true, piiScore: 0.49, retried: true, policyViolation: true },
      0.5,
    );
    addTelemetryMetrics(acc, { ...base, feedback: 'none' }, 0.5);
    assert.deepEqual(metricAggregate(acc, 'thumbs_down_rate'), { count: 2, sum: 1, sumSq: 1 });
    assert.deepEqual(metricAggregate(acc, 'task_completion'), { count: 2, sum: 1, sumSq: 1 });
    assert.deepEqual(metricAggregate(acc, 'pii_rate'), { count: 2, sum: 1, sumSq: 1 });
    assert.deepEqual(metricAggregate(acc, 'toxicity'), { count: 1, sum: 0.2, sumSq: 0.2 * 0.2 });
    assert.deepEqual(metricAggregate(acc, 'refusal_rate'), { count: 3, sum: 1, sumSq: 1 });
    assert.deepEqual(metricAggregate(acc, 'retry_rate'), { count: 3, sum: 1, sumSq: 1 });
    assert.deepEqual(metricAggregate(acc, 'policy_violation_rate'), { count: 3, sum: 1, sumSq: 1 });
  });

  test('invalid amounts are skipped, not summed', () => {
    const acc = extract({ latencyMs: Number.NaN, costUsd: -1, toxicity: Number.POSITIVE_INFINITY });
    assert.equal(metricAggregate(acc, 'latency_ms').count, 0);
    assert.equal(metricAggregate(acc, 'cost_usd').count, 0);
    assert.equal(metricAggregate(acc, 'toxicity').count, 0);
    assert.equal(metricAggregate(acc, 'input_tokens').count, 1);
  });

  test('eval events feed judge_score and semantic_similarity only', () => {
    const ev: EvalEvent = {
      evalId: 'v1',
      timestamp: 1,
      tenantId: 't1',
      requestEventId: 'e1',
      bundleId: 'b-c',
      baselineBundleId: 'b-s',
      arm: 'canary',
      judgeScore: 0.75,
      semanticSimilarity: null,
      evaluator: 'judge-a',
    };
    const acc = newMetricAccumulator();
    addEvalMetrics(acc, ev);
    addEvalMetrics(acc, { ...ev, judgeScore: 0.25, semanticSimilarity: 0.9 });
    assert.deepEqual(metricAggregate(acc, 'judge_score'), { count: 2, sum: 1, sumSq: 0.625 });
    assert.deepEqual(metricAggregate(acc, 'semantic_similarity'), { count: 1, sum: 0.9, sumSq: 0.81 });
    assert.deepEqual(Object.keys(metricRecord(acc)), ['judge_score', 'semantic_similarity']);
  });
});
