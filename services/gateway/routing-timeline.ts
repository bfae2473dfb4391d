/** One human-readable line per routing change, for the demo's and the simulator's timelines. */
import type { RoutingChange } from './routing-follower.ts';

/** `[wall 2026-…Z] routing tenant-003 epoch 4 → b-stable + b-cand 10% canary (reason)` */
export function formatRoutingChange(c: RoutingChange): string {
  const cmd = c.current;
  const to =
    cmd === undefined
      ? 'removed'
      : cmd.candidate === null
        ? cmd.stable.bundleId
        : `${cmd.stable.bundleId} + ${cmd.candidate.bundleId} ${cmd.candidatePercent}% ${cmd.candidateArm ?? 'canary'}`;
  const why = cmd === undefined ? 'tombstone' : cmd.reason;
  return `[wall ${new Date(c.appliedAt).toISOString()}] routing ${c.tenantId} epoch ${cmd?.epoch ?? '-'} → ${to} (${why})`;
}
