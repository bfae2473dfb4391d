/**
 * The console's read model: what the dashboard and the API show, built from the records of
 * alert.scores, rollback.decisions, rollback.approvals, audit.events, deploy.rollouts,
 * deploy.routing and deploy.bundles. Pure and synchronous: `applyRecord` mutates the model it is
 * given (owned by one caller, the feed) and returns whether anything changed. Every collection is
 * bounded by `ReadModelLimits`; time comes from the records (event time), never from a clock.
 */
import type {
  AlertScore,
  Approval,
  AuditEvent,
  Bundle,
  RollbackDecision,
  RolloutCommand,
  RoutingCommand,
} from '../../schemas/types.ts';
import { applyAudit, applyRouting } from './read-model-audit.ts';
import { pushBounded, trimOldestKeys, upsertPoint } from './series.ts';

export interface ReadModelLimits {
  /** Points kept per (rollout, tenant) series and windows kept per (rollout, tier). */
  readonly pointsPerSeries: number;
  /** Rollouts kept; the least recently updated (event time) is dropped first. */
  readonly rollouts: number;
  readonly decisionsPerRollout: number;
  /** Audit events and rollout commands kept per rollout (the newest). */
  readonly historyPerRollout: number;
  /** Public status events kept per tenant. */
  readonly eventsPerTenant: number;
}

export const defaultLimits: ReadModelLimits = {
  pointsPerSeries: 240,
  rollouts: 100,
  decisionsPerRollout: 200,
  historyPerRollout: 200,
  eventsPerTenant: 20,
};

/** One scored window of one tenant: components and composite 0..1, `t` = windowEnd (epoch ms). */
export interface ScorePoint {
  readonly t: number;
  readonly composite: number;
  readonly anomaly: number;
  readonly latency: number;
  readonly errors: number;
  readonly regression: number;
  readonly breadth: number;
  readonly cost: number;
  readonly safety: number;
  readonly verdict: AlertScore['verdict'];
}

export type DecisionStatus =
  'received' | 'pending_approval' | 'executed' | 'rejected' | 'refused' | 'ignored' | 'dry_run';

export interface ApprovalRequest {
  readonly approvalId: string;
  readonly verdict: Approval['verdict'];
  readonly actor: string;
  readonly tenantIds: readonly string[];
  readonly tiers: readonly string[];
  /** epoch ms */
  readonly answeredAt: number;
  /** reversion's outcome from the audit trail; undefined until audited. */
  outcome: string | undefined;
}

export interface DecisionEntry {
  readonly decisionId: string;
  /** Undefined while only the audit trail has mentioned it. */
  decision: RollbackDecision | undefined;
  status: DecisionStatus;
  /** Who resolved it (an approver's name, or reversion for automatic and timed-out ones). */
  resolvedBy: string | undefined;
  /** Audit time of the last status change, epoch ms. */
  statusAt: number | undefined;
  /** needs_approval: when reversion applies its timeout policy, epoch ms. */
  deadline: number | undefined;
  note: string | undefined;
  readonly approvals: ApprovalRequest[];
}

export type RolloutStatus = 'unknown' | 'running' | 'paused' | 'promoted' | 'aborted' | 'halted';

export interface RolloutEntry {
  readonly rolloutId: string;
  status: RolloutStatus;
  strategy: RolloutCommand['strategy'];
  candidateBundleId: string | null;
  baselineBundleId: string | null;
  canaryPercent: number | null;
  /** tenantId → tier */
  readonly tenants: Map<string, string>;
  /** Latest event time of any record of this rollout, epoch ms. */
  updatedAt: number;
  readonly commands: RolloutCommand[];
  /** tenantId → its scores, ascending windowEnd. */
  readonly scores: Map<string, ScorePoint[]>;
  /** tier → windowEnd → tenantId → composite (0..1) and whether degraded. */
  readonly tiers: Map<string, Map<number, Map<string, { composite: number; degraded: boolean }>>>;
  readonly decisions: Map<string, DecisionEntry>;
  readonly audit: AuditEvent[];
}

/** A public, per-tenant status event, derived from routing commands. */
export interface TenantEvent {
  readonly kind: 'rolled_back' | 'joined_rollout' | 'left_rollout';
  /** epoch ms */
  readonly at: number;
  readonly tier: string;
  readonly epoch: number;
}

export interface ReadModel {
  /** Incremented by every applied record. */
  version: number;
  readonly limits: ReadModelLimits;
  readonly rollouts: Map<string, RolloutEntry>;
  /** tenantId → its current routing command. */
  readonly routing: Map<string, RoutingCommand>;
  readonly bundles: Map<string, Bundle>;
  readonly tenantEvents: Map<string, TenantEvent[]>;
}

export type ConsoleRecord =
  | { readonly topic: 'scores'; readonly value: AlertScore }
  | { readonly topic: 'decisions'; readonly value: RollbackDecision }
  | { readonly topic: 'approvals'; readonly value: Approval }
  | { readonly topic: 'audit'; readonly value: AuditEvent }
  | { readonly topic: 'rollouts'; readonly value: RolloutCommand }
  | { readonly topic: 'routing'; readonly key: string; readonly value: RoutingCommand | null }
  | { readonly topic: 'bundles'; readonly key: string; readonly value: Bundle | null };

export type ConsoleTopic = ConsoleRecord['topic'];

/** What applying a record did: `rolloutId` when it touched a rollout. */
export type ApplyVerdict =
  { readonly applied: true; readonly rolloutId: string | null } | { readonly applied: false };

export function emptyReadModel(limits: ReadModelLimits = defaultLimits): ReadModel {
  return {
    version: 0,
    limits,
    rollouts: new Map(),
    routing: new Map(),
    bundles: new Map(),
    tenantEvents: new Map(),
  };
}

/** The entry of a rollout, created on first mention; evicts the stalest beyond the limit. */
export function rolloutOf(model: ReadModel, rolloutId: string, at: number): RolloutEntry {
  let r = model.rollouts.get(rolloutId);
  if (r === undefined) {
    r = {
      rolloutId,
      status: 'unknown',
      strategy: null,
      candidateBundleId: null,
      baselineBundleId: null,
      canaryPercent: null,
      tenants: new Map(),
      updatedAt: at,
      commands: [],
      scores: new Map(),
      tiers: new Map(),
      decisions: new Map(),
      audit: [],
    };
    model.rollouts.set(rolloutId, r);
    evictRollouts(model, rolloutId);
  }
  r.updatedAt = Math.max(r.updatedAt, at);
  return r;
}

function evictRollouts(model: ReadModel, keep: string): void {
  while (model.rollouts.size > model.limits.rollouts) {
    let stalest: RolloutEntry | undefined;
    for (const r of model.rollouts.values())
      if (r.rolloutId !== keep && (stalest === undefined || r.updatedAt < stalest.updatedAt)) stalest = r;
    if (stalest === undefined) return;
    model.rollouts.delete(stalest.rolloutId);
  }
}

/** The entry of a decision of a rollout, created on first mention (bounded: oldest dropped). */
export function decisionOf(model: ReadModel, r: RolloutEntry, decisionId: string): DecisionEntry {
  let d = r.decisions.get(decisionId);
  if (d === undefined) {
    d = {
      decisionId,
      decision: undefined,
      status: 'received',
      resolvedBy: undefined,
      statusAt: undefined,
      deadline: undefined,
      note: undefined,
      approvals: [],
    };
    r.decisions.set(decisionId, d);
    while (r.decisions.size > model.limits.decisionsPerRollout) {
      const oldest = r.decisions.keys().next().value;
      if (oldest === undefined) break;
      r.decisions.delete(oldest);
    }
  }
  return d;
}

/** Applies one record to the model (mutating it). */
export function applyRecord(model: ReadModel, record: ConsoleRecord): ApplyVerdict {
  const verdict = dispatch(model, record);
  if (verdict.applied) model.version++;
  return verdict;
}

function dispatch(model: ReadModel, rec: ConsoleRecord): ApplyVerdict {
  switch (rec.topic) {
    case 'scores':
      return applyScore(model, rec.value);
    case 'decisions': {
      const r = rolloutOf(model, rec.value.rolloutId, rec.value.decidedAt);
      decisionOf(model, r, rec.value.decisionId).decision = rec.value;
      return { applied: true, rolloutId: r.rolloutId };
    }
    case 'approvals':
      return applyApproval(model, rec.value);
    case 'audit':
      return applyAudit(model, rec.value);
    case 'rollouts':
      return applyRolloutCommand(model, rec.value);
    case 'routing':
      return applyRouting(model, rec.key, rec.value);
    case 'bundles':
      if (rec.value === null) model.bundles.delete(rec.key);
      else model.bundles.set(rec.key, rec.value);
      return { applied: true, rolloutId: null };
  }
}

function applyScore(model: ReadModel, s: AlertScore): ApplyVerdict {
  const r = rolloutOf(model, s.rolloutId, s.windowEnd);
  const { limits } = model;
  if (!r.tenants.has(s.tenantId)) r.tenants.set(s.tenantId, s.tenantTier);
  const series = r.scores.get(s.tenantId) ?? [];
  r.scores.set(s.tenantId, series);
  const point: ScorePoint = {
    t: s.windowEnd,
    composite: s.composite,
    anomaly: s.anomaly,
    latency: s.latency,
    errors: s.errors,
    regression: s.regression,
    breadth: s.breadth,
    cost: s.cost,
    safety: s.safety,
    verdict: s.verdict,
  };
  if (!upsertPoint(series, point, limits.pointsPerSeries)) return { applied: false };
  const windows = r.tiers.get(s.tenantTier) ?? new Map();
  r.tiers.set(s.tenantTier, windows);
  const window = windows.get(s.windowEnd) ?? new Map();
  window.set(s.tenantId, { composite: s.composite, degraded: s.verdict === 'degraded' });
  windows.set(s.windowEnd, window);
  trimOldestKeys(windows, limits.pointsPerSeries);
  return { applied: true, rolloutId: r.rolloutId };
}

function applyApproval(model: ReadModel, a: Approval): ApplyVerdict {
  const r = rolloutOf(model, a.rolloutId, a.answeredAt);
  const d = decisionOf(model, r, a.decisionId);
  if (d.approvals.some((x) => x.approvalId === a.approvalId)) return { applied: false };
  const { approvalId, verdict, actor, tenantIds, tiers, answeredAt } = a;
  d.approvals.push({ approvalId, verdict, actor, tenantIds, tiers, answeredAt, outcome: undefined });
  return { applied: true, rolloutId: r.rolloutId };
}

function applyRolloutCommand(model: ReadModel, c: RolloutCommand): ApplyVerdict {
  const r = rolloutOf(model, c.rolloutId, c.issuedAt);
  if (r.commands.some((x) => x.commandId === c.commandId)) return { applied: false };
  pushBounded(r.commands, c, model.limits.historyPerRollout);
  if (c.action === 'start') {
    r.strategy = c.strategy;
    r.candidateBundleId = c.candidateBundleId;
    r.baselineBundleId = c.baselineBundleId;
  }
  if (c.canaryPercent !== null) r.canaryPercent = c.canaryPercent;
  for (const t of c.tenants) r.tenants.set(t.tenantId, t.tenantTier);
  // A command is a request: the status moves when reversion audits it as applied (read-model-audit.ts).
  // A start seen first shows the rollout as running until then.
  if (c.action === 'start' && r.status === 'unknown') r.status = 'running';
  return { applied: true, rolloutId: r.rolloutId };
}
