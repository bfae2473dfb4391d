/**
 * Which tenants a rollout command names: explicit `tenant[:tier]` entries (the tier looked up in the
 * routing table when omitted), or every tenant of some tiers currently on the baseline with no
 * candidate. Pure.
 */
import type { RolloutTenant, RoutingCommand } from '../../schemas/types.ts';

export type TenantSelection = { ok: true; tenants: RolloutTenant[] } | { ok: false; problem: string };

export interface SelectTenantsInput {
  /** `tenant` or `tenant:tier` */
  tenants?: readonly string[];
  tiers?: readonly string[];
  /** required with `tiers`: only tenants whose stable bundle is this one */
  baselineBundleId?: string | null;
}

export function selectTenants(
  routing: ReadonlyMap<string, RoutingCommand>,
  input: SelectTenantsInput,
): TenantSelection {
  const out: RolloutTenant[] = [];
  for (const entry of input.tenants ?? []) {
    const [tenantId = '', tier] = entry.split(':').map((s) => s.trim());
    if (tenantId === '') return { ok: false, problem: `empty tenant in "${entry}"` };
    const tenantTier = tier || routing.get(tenantId)?.tenantTier;
    if (tenantTier === undefined)
      return {
        ok: false,
        problem: `tenant ${tenantId} has no routing yet; give its tier as ${tenantId}:<tier>`,
      };
    out.push({ tenantId, tenantTier });
  }
  if (input.tiers !== undefined && input.tiers.length > 0) {
    const tiers = new Set(input.tiers);
    const picked = [...routing.values()]
      .filter(
        (c) =>
          tiers.has(c.tenantTier) &&
          c.candidate === null &&
          (input.baselineBundleId == null || c.stable.bundleId === input.baselineBundleId),
      )
      .sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1));
    for (const c of picked)
      if (!out.some((t) => t.tenantId === c.tenantId))
        out.push({ tenantId: c.tenantId, tenantTier: c.tenantTier });
    if (picked.length === 0)
      return {
        ok: false,
        problem: `no tenant of tier ${[...tiers].join(', ')} is on ${input.baselineBundleId ?? 'a stable bundle'} without a candidate`,
      };
  }
  return { ok: true, tenants: out };
}
