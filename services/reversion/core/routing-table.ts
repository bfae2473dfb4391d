/**
 * Reading back the routing table. deploy.routing.v1 is keyed by tenant while reversion is partitioned
 * by rollout, so an instance may not have issued a tenant's latest command itself. The service feeds
 * every routing command it reads (its own included) through here, before and while it processes
 * inputs, so epochs continue from the table instead of restarting.
 */
import type { RoutingCommand } from '../../../schemas/types.ts';
import type { ReversionState } from './state.ts';

/** Adopts `cmd` as the tenant's routing when its epoch is newer; returns whether it was adopted. */
export function absorbRoutingCommand(state: ReversionState, cmd: RoutingCommand): boolean {
  const known = state.tenants.get(cmd.tenantId);
  if (known !== undefined && known.epoch >= cmd.epoch) return false;
  state.tenants.set(cmd.tenantId, {
    tenantId: cmd.tenantId,
    tenantTier: cmd.tenantTier,
    stableBundleId: cmd.stable.bundleId,
    candidateBundleId: cmd.candidate?.bundleId ?? null,
    candidateArm: cmd.candidateArm,
    candidatePercent: cmd.candidatePercent,
    epoch: cmd.epoch,
    rolloutId: cmd.rolloutId,
  });
  return true;
}
