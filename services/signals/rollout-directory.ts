/**
 * Which rollout a tenant's (candidate, baseline) bundle pair belongs to, live: the start commands of
 * deploy.rollouts.v1 as a global table feeds the same directory replay builds from its input, so a
 * pair resolves exactly as in replay (exact pair, then candidate, then `auto-<candidateBundleId>`).
 */
import type { RolloutCommand } from '../../schemas/types.ts';
import type { GlobalTable } from '../core/global-table.ts';
import type { RolloutIdFor } from '../detect/aggregate/index.ts';
import {
  emptyRolloutDirectory,
  registerRolloutCommand,
  resolveRolloutId,
} from '../detect/replay/rollout-resolver.ts';

export class RolloutDirectory {
  readonly #dir = emptyRolloutDirectory();

  /** Follows every command of the table from now on (create before the table starts to see them all). */
  static following(table: GlobalTable<'rollouts'>): RolloutDirectory {
    const directory = new RolloutDirectory();
    table.onChange((_key, command) => {
      if (command !== undefined) directory.observe(command);
    });
    return directory;
  }

  /** Start commands name their bundles; other commands change nothing. */
  observe(command: RolloutCommand): void {
    registerRolloutCommand(this.#dir, command);
  }

  readonly rolloutIdFor: RolloutIdFor = (candidate, baseline) =>
    resolveRolloutId(this.#dir, candidate, baseline);
}
