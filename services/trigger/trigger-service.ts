/** The trigger service as a unit main.ts and the tests start: a StreamRunner over snapshots + rollout commands, exactly-once. */
import { StreamRunner, type RunnerDeps } from '../core/runner.ts';
import type { Policy } from '../detect/policy/index.ts';
import { implausibleRollout } from '../detect/replay/plausibility.ts';
import { ROLLOUT_STORE, TriggerProcessor, type TriggerInput } from './trigger-processor.ts';

export interface TriggerServiceOptions {
  readonly policy: Policy;
  /** Default `trigger`: changelog topic and state directory names. */
  readonly app?: string;
  /** Default `backtrack-<app>`. */
  readonly groupId?: string;
  /** Default `changelogTopic(app, store)` of the topology. */
  readonly changelogTopic?: (store: string) => string;
  /** See TriggerProcessorOptions.holdMs. */
  readonly holdMs?: number;
  /** See TriggerProcessorOptions.tickMs; also the runner's wall-clock tick. */
  readonly tickMs?: number;
}

/** Outputs, state and offsets commit in one transaction: a decision is emitted once. */
export function triggerRunner(deps: RunnerDeps, options: TriggerServiceOptions): StreamRunner<TriggerInput> {
  const tickMs = options.tickMs ?? 1_000;
  return new StreamRunner(
    {
      app: options.app ?? 'trigger',
      ...(options.groupId === undefined ? {} : { groupId: options.groupId }),
      ...(options.changelogTopic === undefined ? {} : { changelogTopic: options.changelogTopic }),
      inputs: ['signals', 'rollouts'],
      outputs: ['scores', 'decisions'],
      stores: [{ name: ROLLOUT_STORE }],
      exactlyOnce: true,
      wallClockTickMs: tickMs,
      eventTime: { signals: (s) => s.windowEnd },
      validate: { rollouts: implausibleRollout },
      processor: () =>
        new TriggerProcessor({
          policy: options.policy,
          ...(options.holdMs === undefined ? {} : { holdMs: options.holdMs }),
          tickMs,
        }),
    },
    deps,
  );
}
