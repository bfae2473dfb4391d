/**
 * Queries of the read model, as the JSON the API returns (plain objects and arrays, no Maps).
 * Pure: the same model gives the same views.
 */
import type { Evidence } from '../../schemas/types.ts';
import type {
  ApprovalRequest,
  DecisionEntry,
  DecisionStatus,
  ReadModel,
  RolloutEntry,
  RolloutStatus,
  ScorePoint,
  TenantEvent,
} from './read-model.ts';

export interface RolloutSummary {
  readonly rolloutId: string;
  readonly status: RolloutStatus;
  readonly strategy: string | null;
  readonly candidateBundleId: string | null;
  readonly baselineBundleId: string | null;
  readonly canaryPercent: number | null;
  readonly tenants: number;
  /** tier → tenants of that tier in the rollout */
  readonly tiers: Record<string, number>;
  /** Tenants whose latest score is `degraded`. */
  readonly degradedTenants: number;
  /** Highest latest composite over the tenants, 0..1; null before any score. */
  readonly maxComposite: number | null;
  readonly pendingApprovals: number;
  /** epoch ms */
  readonly updatedAt: number;
}

export interface DecisionView {
  readonly decisionId: string;
  readonly rolloutId: string;
  readonly status: DecisionStatus;
  readonly resolvedBy: string | null;
  readonly statusAt: number | null;
  readonly deadline: number | null;
  readonly note: string | null;
  readonly action: string | null;
  readonly mode: string | null;
  readonly tenantIds: readonly string[];
  readonly tiers: readonly string[];
  readonly compositeScore: number | null;
  readonly breadth: number | null;
  readonly reasons: readonly string[];
  readonly evidence: readonly Evidence[];
  readonly decidedAt: number | null;
  readonly dryRun: boolean;
  readonly approvals: readonly ApprovalRequest[];
}

export type TenantRouting = 'candidate' | 'rolled_back' | 'stable' | 'unknown';

export interface TierPoint {
  readonly t: number;
  readonly mean: number;
  readonly max: number;
  readonly tenants: number;
  readonly degraded: number;
}

export interface RolloutDetail extends RolloutSummary {
  readonly tenantList: ReadonlyArray<{
    tenantId: string;
    tier: string;
    routing: TenantRouting;
    scores: readonly ScorePoint[];
  }>;
  readonly tierSeries: ReadonlyArray<{ tier: string; points: readonly TierPoint[] }>;
  readonly decisions: readonly DecisionView[];
  readonly commands: ReadonlyArray<{ commandId: string; action: string; actor: string; issuedAt: number }>;
  readonly audit: ReadonlyArray<{
    seq: number;
    kind: string;
    actor: string;
    subjectId: string;
    at: number;
    details: string;
  }>;
}

function summarize(r: RolloutEntry): RolloutSummary {
  const tiers: Record<string, number> = {};
  for (const tier of r.tenants.values()) tiers[tier] = (tiers[tier] ?? 0) + 1;
  let degraded = 0;
  let max: number | null = null;
  for (const series of r.scores.values()) {
    const last = series.at(-1);
    if (last === undefined) continue;
    if (last.verdict === 'degraded') degraded++;
    max = Math.max(max ?? 0, last.composite);
  }
  return {
    rolloutId: r.rolloutId,
    status: r.status,
    strategy: r.strategy,
    candidateBundleId: r.candidateBundleId,
    baselineBundleId: r.baselineBundleId,
    canaryPercent: r.canaryPercent,
    tenants: r.tenants.size,
    tiers,
    degradedTenants: degraded,
    maxComposite: max,
    pendingApprovals: [...r.decisions.values()].filter((d) => d.status === 'pending_approval').length,
    updatedAt: r.updatedAt,
  };
}

/** Every rollout, the most recently updated first. */
export function listRollouts(model: ReadModel): RolloutSummary[] {
  return [...model.rollouts.values()].map(summarize).sort((a, b) => b.updatedAt - a.updatedAt);
}

export function decisionView(rolloutId: string, e: DecisionEntry): DecisionView {
  const d = e.decision;
  return {
    decisionId: e.decisionId,
    rolloutId,
    status: e.status,
    resolvedBy: e.resolvedBy ?? null,
    statusAt: e.statusAt ?? null,
    deadline: e.deadline ?? null,
    note: e.note ?? null,
    action: d?.action ?? null,
    mode: d?.mode ?? null,
    tenantIds: d?.tenantIds ?? [],
    tiers: d?.tiers ?? [],
    compositeScore: d?.compositeScore ?? null,
    breadth: d?.breadth ?? null,
    reasons: d?.reasons ?? [],
    evidence: d?.evidence ?? [],
    decidedAt: d?.decidedAt ?? null,
    dryRun: d?.dryRun ?? false,
    approvals: e.approvals,
  };
}

const byDecidedDesc = (a: DecisionView, b: DecisionView): number =>
  (b.decidedAt ?? b.statusAt ?? 0) - (a.decidedAt ?? a.statusAt ?? 0);

/** Decisions over all rollouts, newest first; `pending`: only those waiting for a human. */
export function listDecisions(model: ReadModel, options: { pending?: boolean } = {}): DecisionView[] {
  const out: DecisionView[] = [];
  for (const r of model.rollouts.values())
    for (const e of r.decisions.values())
      if (!options.pending || e.status === 'pending_approval') out.push(decisionView(r.rolloutId, e));
  return out.sort(byDecidedDesc);
}

/** The decision with that id, with its rollout id; undefined when unknown. */
export function findDecision(model: ReadModel, decisionId: string): DecisionView | undefined {
  for (const r of model.rollouts.values()) {
    const e = r.decisions.get(decisionId);
    if (e !== undefined) return decisionView(r.rolloutId, e);
  }
  return undefined;
}

function routingOf(model: ReadModel, rolloutId: string, tenantId: string): TenantRouting {
  const c = model.routing.get(tenantId);
  if (c === undefined) return 'unknown';
  if (c.rolloutId === rolloutId && c.candidate !== null) return 'candidate';
  return c.decisionId !== null && c.rolloutId === rolloutId ? 'rolled_back' : 'stable';
}

function tierPoints(
  windows: Map<number, Map<string, { composite: number; degraded: boolean }>>,
): TierPoint[] {
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, tenants]) => {
      const values = [...tenants.values()];
      const sum = values.reduce((s, v) => s + v.composite, 0);
      return {
        t,
        mean: values.length === 0 ? 0 : sum / values.length,
        max: Math.max(0, ...values.map((v) => v.composite)),
        tenants: values.length,
        degraded: values.filter((v) => v.degraded).length,
      };
    });
}

export function rolloutDetail(model: ReadModel, rolloutId: string): RolloutDetail | undefined {
  const r = model.rollouts.get(rolloutId);
  if (r === undefined) return undefined;
  return {
    ...summarize(r),
    tenantList: [...r.tenants.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tenantId, tier]) => ({
        tenantId,
        tier,
        routing: routingOf(model, rolloutId, tenantId),
        scores: r.scores.get(tenantId) ?? [],
      })),
    tierSeries: [...r.tiers.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tier, windows]) => ({ tier, points: tierPoints(windows) })),
    decisions: [...r.decisions.values()].map((e) => decisionView(rolloutId, e)).sort(byDecidedDesc),
    commands: r.commands.map(({ commandId, action, actor, issuedAt }) => ({
      commandId,
      action,
      actor,
      issuedAt,
    })),
    audit: r.audit.map(({ seq, kind, actor, subjectId, at, details }) => ({
      seq,
      kind,
      actor,
      subjectId,
      at,
      details,
    })),
  };
}

export interface TenantStatusView {
  readonly tenantId: string;
  /** `unknown` also for a tenant that does not exist, so the public page reveals no tenant list. */
  readonly status: 'unknown' | 'stable' | 'candidate';
  readonly tier: string | null;
  readonly events: ReadonlyArray<{ kind: TenantEvent['kind']; at: number; tier: string; message: string }>;
}

const messages: Record<TenantEvent['kind'], (tier: string, iso: string) => string> = {
  rolled_back: (tier, iso) =>
    `A rollback affected the ${tier} tier at ${iso}: your traffic was returned to the stable version.`,
  joined_rollout: (_tier, iso) =>
    `At ${iso} part of your traffic started on a new version (gradual rollout).`,
  left_rollout: (_tier, iso) => `At ${iso} all of your traffic returned to the stable version.`,
};

/** The public status of one tenant: no bundle ids, scores or other tenants. Newest event first. */
export function tenantStatus(model: ReadModel, tenantId: string): TenantStatusView {
  const c = model.routing.get(tenantId);
  const events = [...(model.tenantEvents.get(tenantId) ?? [])].reverse().map((e) => ({
    kind: e.kind,
    at: e.at,
    tier: e.tier,
    message: messages[e.kind](e.tier, new Date(e.at).toISOString()),
  }));
  if (c === undefined) return { tenantId, status: 'unknown', tier: null, events };
  return { tenantId, status: c.candidate === null ? 'stable' : 'candidate', tier: c.tenantTier, events };
}
