/**
 * The public API of the pure detection core. Stage 1 (aggregate, keyed by tenant) turns telemetry and
 * evals into signal snapshots; stage 2 (decide, keyed by rollout) scores them and decides; policy is the
 * validated configuration of both; replay composes them in process on event time. Each module is also
 * exported whole as a namespace (their state types share names: aggregate.TenantState is not
 * decide.TenantState).
 */
export * as aggregate from './aggregate/index.ts';
export * as decide from './decide/index.ts';
export * as policy from './policy/index.ts';
export * as replay from './replay/index.ts';

export {
  advanceStreamTime,
  closeWindows,
  defaultAggregationParams,
  initialTenantState,
  observeEval,
  observeTelemetry,
  validateAggregationParams,
  type AggregationParams,
  type ObserveVerdict,
} from './aggregate/index.ts';
export {
  assessSnapshot,
  finalizeWindow,
  initialRolloutState,
  observeRolloutCommand,
  type RolloutState,
} from './decide/index.ts';
export { defaultPolicy, parsePolicy, PolicyError, type Policy } from './policy/index.ts';
export {
  createReplaySession,
  decisionToJsonLine,
  parseInputLine,
  ReplaySession,
  type ParsedLine,
  type ReplayInput,
  type ReplaySummary,
} from './replay/index.ts';
