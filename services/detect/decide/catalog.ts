import type { TierPolicy } from '../policy/schema.ts';
import type { Spans } from './arm.ts';
import {
  meanCheck,
  quantileCheck,
  rateCheck,
  type CheckContext,
  type CheckDef,
  type Finding,
} from './checks.ts';

const latency = (t: TierPolicy) => ({ flag: t.latency.flag.p95Ratio - 1, act: t.latency.act.p95Ratio - 1 });
const errors = (t: TierPolicy) => ({ flag: t.errors.flagDelta, act: t.errors.actDelta });
const errorRate = (t: TierPolicy) => ({ ...errors(t), maxRate: t.errors.maxRate });
const rates = (t: TierPolicy) => t.regression.rateDelta;
const scores = (t: TierPolicy) => t.regression.scoreDrop;
const cost = (t: TierPolicy) => ({ flag: t.cost.flagRatio - 1, act: t.cost.actRatio - 1 });
const safety = (t: TierPolicy) => ({ flag: t.safety.flagDelta, act: t.safety.actDelta });
const safetyRate = (t: TierPolicy) => ({ ...safety(t), maxRate: t.safety.maxRate });

/**
 * Every check of a candidate against a baseline, in a fixed order. `trigger: false` checks only feed
 * their component's score (L, cost) and the evidence.
 */
export const CHECKS: readonly CheckDef[] = [
  quantileCheck('latency_p95', 0.95, true),
  quantileCheck('latency_p50', 0.5, false),
  quantileCheck('latency_p99', 0.99, false),
  meanCheck('ttft_ms', 'L', 'ratio', latency, false),
  rateCheck('error_rate', 'E', errorRate),
  rateCheck('err_tool_call_failure', 'E', errors),
  rateCheck('err_json_parse_error', 'E', errors),
  rateCheck('err_context_overflow', 'E', errors),
  rateCheck('err_timeout', 'E', errors),
  rateCheck('err_provider_error', 'E', errors),
  rateCheck('err_other_error', 'E', errors),
  rateCheck('tool_call_success', 'E', errors),
  meanCheck('judge_score', 'R', 'delta', scores),
  meanCheck('semantic_similarity', 'R', 'delta', scores),
  rateCheck('refusal_rate', 'R', rates),
  rateCheck('task_completion', 'R', rates),
  rateCheck('thumbs_down_rate', 'R', rates),
  rateCheck('retry_rate', 'R', rates),
  meanCheck('output_chars', 'R', 'ratio', (t) => t.regression.lengthShift),
  meanCheck('cost_usd', 'cost', 'ratio', cost),
  meanCheck('input_tokens', 'cost', 'ratio', cost, false),
  meanCheck('output_tokens', 'cost', 'ratio', cost, false),
  rateCheck('policy_violation_rate', 'safety', safetyRate),
  rateCheck('pii_rate', 'safety', safetyRate),
  rateCheck('policy_block_rate', 'safety', safety),
  meanCheck('toxicity', 'safety', 'delta', (t) => t.safety.toxicityDelta),
];

const BY_ID = new Map(CHECKS.map((c) => [c.id, c]));

export function checkById(id: string): CheckDef {
  const c = BY_ID.get(id);
  if (!c) throw new Error(`unknown check ${id}`);
  return c;
}

/**
 * Runs every check that has enough samples; findings in catalog order. `leveledOnly`: only the findings
 * whose level is not 'none' (the others are not built).
 */
export function runChecks(c: Spans, b: Spans, ctx: CheckContext, leveledOnly = false): Finding[] {
  const out: Finding[] = [];
  for (const def of CHECKS) {
    const f = def.evaluate(c, b, ctx, leveledOnly);
    if (f) out.push(f);
  }
  return out;
}
