/**
 * The routing of tenants as operators ask about it: the current table (latest epoch per tenant) and
 * the history of one tenant, from deploy.routing.v1 (compacted: old epochs may be gone) completed by
 * the `routing_command` steps of the audit trail (never compacted).
 */
import type { AuditEvent, RoutingCommand } from '../../schemas/types.ts';
import { readTopic, type ReaderDeps } from './topic-reader.ts';

/** One routing of a tenant, from either source. Bundle ids only when from the audit trail. */
export interface RoutingStep {
  tenantId: string;
  tenantTier: string | null;
  epoch: number;
  rolloutId: string | null;
  /** epoch ms: when reversion issued it */
  issuedAt: number;
  stableBundleId: string;
  candidateBundleId: string | null;
  candidateArm: 'canary' | 'shadow' | null;
  /** 0..100 */
  candidatePercent: number;
  decisionId: string | null;
  reason: string;
  /** the full command, when the routing topic still holds it */
  command: RoutingCommand | null;
  source: 'routing' | 'audit';
}

/** Latest command per tenant (highest epoch). */
export function latestByTenant(commands: readonly RoutingCommand[]): Map<string, RoutingCommand> {
  const out = new Map<string, RoutingCommand>();
  for (const c of commands) {
    const seen = out.get(c.tenantId);
    if (seen === undefined || c.epoch > seen.epoch) out.set(c.tenantId, c);
  }
  return out;
}

/** Reads deploy.routing.v1 to its end and returns the current routing of every tenant. */
export async function readRoutingTable(deps: ReaderDeps): Promise<Map<string, RoutingCommand>> {
  const { records } = await readTopic(deps, 'routing');
  return latestByTenant(records.map((r) => r.value));
}

export function stepOfCommand(c: RoutingCommand): RoutingStep {
  return {
    tenantId: c.tenantId,
    tenantTier: c.tenantTier,
    epoch: c.epoch,
    rolloutId: c.rolloutId,
    issuedAt: c.issuedAt,
    stableBundleId: c.stable.bundleId,
    candidateBundleId: c.candidate?.bundleId ?? null,
    candidateArm: c.candidateArm,
    candidatePercent: c.candidatePercent,
    decisionId: c.decisionId,
    reason: c.reason,
    command: c,
    source: 'routing',
  };
}

/** The routing steps recorded in audit events (`routing_command`, one tenant each). */
export function stepsOfAudit(events: readonly AuditEvent[], tenantId?: string): RoutingStep[] {
  const out: RoutingStep[] = [];
  for (const e of events) {
    if (e.kind !== 'routing_command' || (tenantId !== undefined && e.tenantIds[0] !== tenantId)) continue;
    const d = JSON.parse(e.details) as Partial<Omit<RoutingStep, 'command' | 'source'>> & {
      stableBundleId?: string;
    };
    const tenant = e.tenantIds[0];
    if (tenant === undefined || typeof d.epoch !== 'number' || typeof d.stableBundleId !== 'string') continue;
    out.push({
      tenantId: tenant,
      tenantTier: null,
      epoch: d.epoch,
      rolloutId: d.rolloutId ?? null,
      issuedAt: e.at,
      stableBundleId: d.stableBundleId,
      candidateBundleId: d.candidateBundleId ?? null,
      candidateArm: d.candidateArm ?? null,
      candidatePercent: d.candidatePercent ?? 0,
      decisionId: d.decisionId ?? null,
      reason: d.reason ?? '',
      command: null,
      source: 'audit',
    });
  }
  return out;
}

/** Merges both sources by epoch (the routing topic's full command wins), ascending. */
export function mergeSteps(...sources: ReadonlyArray<readonly RoutingStep[]>): RoutingStep[] {
  const byEpoch = new Map<number, RoutingStep>();
  for (const steps of sources)
    for (const s of steps) {
      const seen = byEpoch.get(s.epoch);
      if (seen === undefined || (seen.source === 'audit' && s.source === 'routing')) byEpoch.set(s.epoch, s);
    }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}
