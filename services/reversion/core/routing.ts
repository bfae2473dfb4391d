/**
 * Issuing routing commands: the only place a tenant's epoch moves, and the revert checks every
 * rollback (route_back, halt, abort) passes per tenant.
 */
import type {
  Bundle,
  RoutedBundle,
  RoutingCommand,
  RolloutTenant,
  SessionPolicy,
} from '../../../schemas/types.ts';
import { checkToolContract, isTierSupported } from '../../registry/compatibility.ts';
import { appendAudit } from './audit-chain.ts';
import { rollbackSessionPolicy, type ReversionContext, type ReversionOutput } from './context.ts';
import type { RolloutState, ReversionState, TenantRouting } from './state.ts';

export function routedBundleOf(b: Bundle): RoutedBundle {
  return {
    bundleId: b.bundleId,
    modelId: b.modelId,
    modelVersionHash: b.modelVersionHash,
    promptTemplateVersion: b.promptTemplateVersion,
    promptTemplateHash: b.promptTemplateHash,
    config: b.config,
    toolSchemaVersion: b.toolSchemaVersion,
    stateVersion: b.stateVersion,
  };
}

/** The routing a tenant should get, without its epoch. */
export type RouteTarget = Omit<TenantRouting, 'tenantId' | 'tenantTier' | 'epoch'>;

export interface RouteMeta {
  sessionPolicy: SessionPolicy;
  reason: string;
  decisionId: string | null;
  actor: string;
}

/** Publishes the tenant's next routing (epoch + 1) with whole bundles, records it and audits it. */
export function issueRouting(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  tenant: RolloutTenant,
  target: RouteTarget,
  meta: RouteMeta,
): RoutingCommand {
  const epoch = (state.tenants.get(tenant.tenantId)?.epoch ?? 0) + 1;
  const command: RoutingCommand = {
    commandId: `${tenant.tenantId}:${epoch}`,
    tenantId: tenant.tenantId,
    tenantTier: tenant.tenantTier,
    epoch,
    rolloutId: target.rolloutId,
    stable: routedBundleOf(mustGet(ctx, target.stableBundleId)),
    candidate:
      target.candidateBundleId === null ? null : routedBundleOf(mustGet(ctx, target.candidateBundleId)),
    candidateArm: target.candidateArm,
    candidatePercent: target.candidatePercent,
    sessionPolicy: meta.sessionPolicy,
    reason: meta.reason,
    decisionId: meta.decisionId,
    issuedAt: ctx.nowMs,
  };
  state.tenants.set(tenant.tenantId, {
    tenantId: tenant.tenantId,
    tenantTier: tenant.tenantTier,
    epoch,
    ...target,
  });
  out.commands.push(command);
  const rolloutId = target.rolloutId ?? `tenant:${tenant.tenantId}`;
  out.audit.push(
    appendAudit(
      state,
      {
        rolloutId,
        kind: 'routing_command',
        actor: meta.actor,
        subjectId: command.commandId,
        tenantIds: [tenant.tenantId],
        details: {
          ...target,
          epoch,
          sessionPolicy: meta.sessionPolicy,
          decisionId: meta.decisionId,
          reason: meta.reason,
        },
      },
      ctx.nowMs,
    ),
  );
  return command;
}

export type RevertCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether `targetId` may serve the tenant. Refused when the bundle is unknown, does not list the
 * tenant's tier, or breaks the tenant's live tool contract. Live contracts are those of the bundles
 * actually serving the tenant now: the stable bundle unless the candidate takes 100 % on the canary arm
 * (blue/green after the switch), and the candidate when it serves any canary traffic. The target must
 * share its tool schema MAJOR with at least one of them (see registry/compatibility.ts).
 */
export function checkRevert(
  ctx: ReversionContext,
  targetId: string,
  routing: TenantRouting | undefined,
  tier: string,
): RevertCheck {
  const target = ctx.bundles.get(targetId);
  if (target === undefined)
    return { ok: false, reason: `revert target ${targetId} is not a registered bundle` };
  if (!isTierSupported(target, tier))
    return { ok: false, reason: `revert target ${targetId} does not support tier ${tier}` };
  if (routing === undefined) return { ok: true };
  const servesCandidate = routing.candidateArm === 'canary' && routing.candidatePercent > 0;
  const live: string[] = [];
  if (!(servesCandidate && routing.candidatePercent >= 100)) live.push(routing.stableBundleId);
  if (servesCandidate && routing.candidateBundleId !== null) live.push(routing.candidateBundleId);
  const reasons: string[] = [];
  for (const id of live) {
    const current = ctx.bundles.get(id);
    if (current === undefined) {
      reasons.push(`current bundle ${id} is unknown, its tool contract cannot be checked`);
      continue;
    }
    const check = checkToolContract(target.toolSchemaVersion, current.toolSchemaVersion);
    if (check.compatible) return { ok: true };
    reasons.push(`incompatible with ${id}: ${check.reason}`);
  }
  return { ok: false, reason: reasons.join('; ') };
}

export interface RevertResult {
  routed: string[];
  refused: Array<{ tenantId: string; reason: string }>;
}

/**
 * Routes each tenant back to the rollout's baseline in this one step, or refuses it (audit `refused`
 * plus one error notification for all refused tenants; no command for them).
 */
export function revertTenants(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  tenants: readonly RolloutTenant[],
  meta: Omit<RouteMeta, 'sessionPolicy'> & { subjectId: string },
): RevertResult {
  const result: RevertResult = { routed: [], refused: [] };
  for (const t of tenants) {
    const check = checkRevert(ctx, rollout.baselineBundleId, state.tenants.get(t.tenantId), t.tenantTier);
    if (!check.ok) {
      result.refused.push({ tenantId: t.tenantId, reason: check.reason });
      continue;
    }
    const target: RouteTarget = {
      stableBundleId: rollout.baselineBundleId,
      candidateBundleId: null,
      candidateArm: null,
      candidatePercent: 0,
      rolloutId: rollout.rolloutId,
    };
    issueRouting(state, ctx, out, t, target, {
      ...meta,
      sessionPolicy: rollbackSessionPolicy(ctx, t.tenantTier),
    });
    rollout.routedBack.push(t.tenantId);
    result.routed.push(t.tenantId);
  }
  if (result.refused.length > 0) {
    const ids = result.refused.map((r) => r.tenantId);
    out.audit.push(
      appendAudit(
        state,
        {
          rolloutId: rollout.rolloutId,
          kind: 'refused',
          actor: meta.actor,
          subjectId: meta.subjectId,
          tenantIds: ids,
          details: { target: rollout.baselineBundleId, refused: result.refused },
        },
        ctx.nowMs,
      ),
    );
    out.notifications.push({
      kind: 'refused',
      rolloutId: rollout.rolloutId,
      severity: 'error',
      summary: `Revert of ${ids.length} tenant(s) of rollout ${rollout.rolloutId} to ${rollout.baselineBundleId} refused, a human must decide: ${result.refused
        .map((r) => `${r.tenantId} (${r.reason})`)
        .join(', ')}`,
      ...(meta.decisionId === null ? {} : { decisionId: meta.decisionId }),
    });
  }
  return result;
}

function mustGet(ctx: ReversionContext, bundleId: string): Bundle {
  const b = ctx.bundles.get(bundleId);
  if (b === undefined) throw new Error(`programmer error: routing to unchecked bundle ${bundleId}`);
  return b;
}
