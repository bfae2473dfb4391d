/**
 * A rollout as reversion has applied it: status, bundles and share from its audit trail, and each
 * tenant's current routing from deploy.routing.v1. Commands not yet processed by reversion do not
 * show (they are on deploy.rollouts.v1 only).
 */
import type { AuditEvent, RoutingCommand } from '../../schemas/types.ts';
import { readTopic, type ReaderDeps } from './topic-reader.ts';
import { latestByTenant } from './routing-history.ts';

export interface RolloutTenantView {
  tenantId: string;
  tenantTier: string;
  epoch: number;
  /** `candidate`: still on the rollout's candidate; `baseline`: routed back; `promoted`: candidate is stable */
  state: 'candidate' | 'baseline' | 'promoted' | 'elsewhere';
  stableBundleId: string;
  candidatePercent: number;
  /** epoch ms */
  since: number;
}

export interface RolloutStatusView {
  rolloutId: string;
  /** running | paused | halted | promoted | aborted */
  status: string;
  strategy: string | null;
  candidateBundleId: string | null;
  baselineBundleId: string | null;
  candidatePercent: number | null;
  startedAt: number;
  lastEventAt: number;
  tenants: RolloutTenantView[];
  /** decision ids waiting for a human */
  pendingApprovals: string[];
  /** the latest refusals (commands or reverts), newest last */
  refusals: Array<{ subjectId: string; at: number; message: string }>;
  auditEvents: number;
}

type Details = Record<string, unknown>;
const parse = (e: AuditEvent): Details => {
  try {
    return JSON.parse(e.details) as Details;
  } catch {
    return {};
  }
};

/** Pure: the view from the rollout's audit events (any order) and the routing table. Undefined when never started. */
export function rolloutStatusOf(
  rolloutId: string,
  audit: readonly AuditEvent[],
  routing: ReadonlyMap<string, RoutingCommand>,
): RolloutStatusView | undefined {
  const events = audit.filter((e) => e.rolloutId === rolloutId).sort((a, b) => a.seq - b.seq);
  const start = events.find((e) => e.kind === 'rollout_command' && parse(e).action === 'start');
  if (start === undefined) return undefined;
  const s = parse(start);
  let status = 'running';
  let percent = typeof s.percent === 'number' ? s.percent : null;
  const pending = new Set<string>();
  const refusals: RolloutStatusView['refusals'] = [];
  for (const e of events) {
    const d = parse(e);
    if (e.kind === 'rollout_command' && typeof d.status === 'string') status = d.status;
    if (e.kind === 'rollout_command' && d.action === 'advance' && typeof d.percent === 'number')
      percent = d.percent;
    if (e.kind === 'decision_received' && d.outcome === 'pending_approval') pending.add(e.subjectId);
    if (e.kind === 'decision_received' && d.outcome === 'executed' && d.action === 'halt_rollout')
      status = 'halted';
    if (e.kind === 'approval' && typeof d.decisionId === 'string' && d.outcome !== 'ignored')
      pending.delete(d.decisionId);
    if (e.kind === 'approval_timeout' || e.kind === 'decision_closed') pending.delete(e.subjectId);
    if (e.kind === 'refused')
      refusals.push({
        subjectId: e.subjectId,
        at: e.at,
        message: String(d.message ?? JSON.stringify(d.refused ?? d)),
      });
  }
  const candidate = typeof s.candidate === 'string' ? s.candidate : null;
  const tenants: RolloutTenantView[] = [...routing.values()]
    .filter((c) => c.rolloutId === rolloutId)
    .sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1))
    .map((c) => ({
      tenantId: c.tenantId,
      tenantTier: c.tenantTier,
      epoch: c.epoch,
      state:
        c.candidate !== null
          ? 'candidate'
          : c.stable.bundleId === candidate
            ? 'promoted'
            : c.stable.bundleId === s.baseline
              ? 'baseline'
              : 'elsewhere',
      stableBundleId: c.stable.bundleId,
      candidatePercent: c.candidatePercent,
      since: c.issuedAt,
    }));
  return {
    rolloutId,
    status,
    strategy: typeof s.strategy === 'string' ? s.strategy : null,
    candidateBundleId: candidate,
    baselineBundleId: typeof s.baseline === 'string' ? s.baseline : null,
    candidatePercent: percent,
    startedAt: start.at,
    lastEventAt: events.at(-1)?.at ?? start.at,
    tenants,
    pendingApprovals: [...pending],
    refusals: refusals.slice(-10),
    auditEvents: events.length,
  };
}

/** Reads audit and routing and builds the view; undefined when the rollout never started. */
export async function rolloutStatus(
  deps: ReaderDeps,
  rolloutId: string,
): Promise<RolloutStatusView | undefined> {
  const [audit, routing] = await Promise.all([readTopic(deps, 'audit'), readTopic(deps, 'routing')]);
  return rolloutStatusOf(
    rolloutId,
    audit.records.map((r) => r.value),
    latestByTenant(routing.records.map((r) => r.value)),
  );
}
