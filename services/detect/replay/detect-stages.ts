/**
 * The real detection stages bound for replay: stage 1 (services/detect/aggregate) with the policy's
 * windows, stage 2 (services/detect/decide) with the policy.
 */
import * as aggregate from '../aggregate/index.ts';
import * as decide from '../decide/index.ts';
import type { Policy } from '../policy/index.ts';
import type { ReplaySession } from './replay-session.ts';
import type { ReplayStages } from './replay-stages.ts';

/** Stage 1 parameters: the aggregation defaults overridden by the policy's `windows`. */
export function aggregationParamsOf(policy: Policy): aggregate.AggregationParams {
  return aggregate.validateAggregationParams({ ...aggregate.defaultAggregationParams, ...policy.windows });
}

export type DetectStages = ReplayStages<aggregate.TenantState, decide.RolloutState>;
export type DetectReplaySession = ReplaySession<aggregate.TenantState, decide.RolloutState>;

export function detectStages(policy: Policy): DetectStages {
  const p = aggregationParamsOf(policy);
  return {
    subWindowMs: p.subWindowMs,
    allowedLatenessMs: p.allowedLatenessMs,
    advanceStreamTime: (t, ts) => aggregate.advanceStreamTime(t, ts, p),
    initialTenantState: aggregate.initialTenantState,
    observeTelemetry: (s, e, t) => aggregate.observeTelemetry(s, e, t, p),
    observeEval: (s, e, t) => aggregate.observeEval(s, e, t, p),
    closeWindows: (s, t, rolloutIdFor) => aggregate.closeWindows(s, t, p, rolloutIdFor),
    initialRolloutState: decide.initialRolloutState,
    observeRolloutCommand: (s, cmd) => decide.observeRolloutCommand(s, cmd),
    assessSnapshot: (s, snapshot) => decide.assessSnapshot(s, snapshot, policy),
    finalizeWindow: (s) => decide.finalizeWindow(s, policy),
  };
}
