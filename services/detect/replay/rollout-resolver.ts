/**
 * Which rollout a (candidate, baseline) pair belongs to. Start commands name it; without them the
 * rollout is derived from the candidate bundle, so the same input always yields the same id.
 */
import type { RolloutCommand } from '../../../schemas/types.ts';

/** Known rollouts by bundle pair and by candidate; built from `start` commands in file order. */
export interface RolloutDirectory {
  byPair: Map<string, string>;
  byCandidate: Map<string, string>;
}

export function emptyRolloutDirectory(): RolloutDirectory {
  return { byPair: new Map(), byCandidate: new Map() };
}

const pairKey = (candidate: string, baseline: string): string => `${candidate}\u0000${baseline}`;

/** The id of the rollout inferred from the arms alone: `auto-<candidateBundleId>`. */
export function autoRolloutId(candidateBundleId: string): string {
  return `auto-${candidateBundleId}`;
}

/** Records a start command's bundles; other commands leave the directory unchanged. */
export function registerRolloutCommand(dir: RolloutDirectory, cmd: RolloutCommand): void {
  if (cmd.action !== 'start' || cmd.candidateBundleId === null || cmd.baselineBundleId === null) return;
  dir.byPair.set(pairKey(cmd.candidateBundleId, cmd.baselineBundleId), cmd.rolloutId);
  dir.byCandidate.set(cmd.candidateBundleId, cmd.rolloutId);
}

/** Exact pair first, then the candidate alone, then the derived id. */
export function resolveRolloutId(dir: RolloutDirectory, candidate: string, baseline: string): string {
  return (
    dir.byPair.get(pairKey(candidate, baseline)) ?? dir.byCandidate.get(candidate) ?? autoRolloutId(candidate)
  );
}
