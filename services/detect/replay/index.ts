/**
 * Replay: the detection core composed in process, on event time (used by `backtrack replay` and the
 * scenario tests), and the decoding of its JSON-lines input.
 */
import { defaultPolicy, type Policy } from '../policy/index.ts';
import { detectStages, type DetectReplaySession } from './detect-stages.ts';
import { ReplaySession, type ReplayObservers } from './replay-session.ts';

export { ReplaySession, type ReplayObservers } from './replay-session.ts';
export type { ReplayStages, ObserveVerdict, RolloutIdFor } from './replay-stages.ts';
export {
  detectStages,
  aggregationParamsOf,
  type DetectStages,
  type DetectReplaySession,
} from './detect-stages.ts';
export {
  parseInputLine,
  decodeRecord,
  type ParsedLine,
  type ReplayInput,
  type InvalidLine,
} from './parse-input-line.ts';
export { decisionToJsonLine, InvalidDecisionError } from './decision-json.ts';
export type { ReplaySummary, TenantActions } from './replay-summary.ts';
export { autoRolloutId } from './rollout-resolver.ts';

export interface ReplayOptions {
  /** default: the built-in policy */
  policy?: Policy;
  observers?: ReplayObservers;
}

/** A replay session over the real detection stages. */
export function createReplaySession(options: ReplayOptions = {}): DetectReplaySession {
  return new ReplaySession(detectStages(options.policy ?? defaultPolicy()), options.observers);
}
