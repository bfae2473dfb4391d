/**
 * What a replay read and decided: counts by input kind and stage-1 verdict, event-time span, and the
 * decisions by action, mode and tenant. Built incrementally by the replay; plain data, JSON-ready.
 */
import type { DecisionAction, DecisionMode, RollbackDecision } from '../../../schemas/types.ts';

/** The decisions one tenant received. */
export interface TenantActions {
  tenantId: string;
  tier: string;
  pause_onboarding: number;
  route_back: number;
  halt_rollout: number;
  /** event time of the tenant's first decision, epoch ms */
  firstDecidedAt: number;
}

export interface ReplaySummary {
  /** non-blank input lines offered, valid or not */
  records: number;
  telemetry: number;
  evals: number;
  rolloutCommands: number;
  invalid: number;
  /** telemetry and eval events stage 1 ignored as already seen */
  duplicates: number;
  /** telemetry and eval events stage 1 dropped as later than the allowed lateness */
  late: number;
  /** telemetry and eval events stage 1 dropped as stamped too far ahead of stream time */
  future: number;
  /** min and max event time of valid telemetry and eval events, epoch ms; null when none */
  eventTime: { fromMs: number | null; toMs: number | null; spanMs: number };
  snapshots: number;
  scores: number;
  rollouts: string[];
  decisions: {
    total: number;
    byAction: Record<DecisionAction, number>;
    byMode: Record<DecisionMode, number>;
  };
  /** tenants with at least one decision, by tenant id */
  tenants: TenantActions[];
}

/** Mutable accumulator behind a ReplaySummary. */
export class SummaryCounter {
  records = 0;
  telemetry = 0;
  evals = 0;
  rolloutCommands = 0;
  invalid = 0;
  duplicates = 0;
  late = 0;
  future = 0;
  snapshots = 0;
  scores = 0;
  minTime = Infinity;
  maxTime = -Infinity;
  readonly rollouts = new Set<string>();
  readonly byAction: Record<DecisionAction, number> = { pause_onboarding: 0, route_back: 0, halt_rollout: 0 };
  readonly byMode: Record<DecisionMode, number> = { automatic: 0, needs_approval: 0 };
  readonly tenants = new Map<string, TenantActions>();

  seeTime(ms: number): void {
    if (ms < this.minTime) this.minTime = ms;
    if (ms > this.maxTime) this.maxTime = ms;
  }

  seeDecision(d: RollbackDecision, tierOf: (tenantId: string) => string): void {
    this.byAction[d.action] += 1;
    this.byMode[d.mode] += 1;
    this.rollouts.add(d.rolloutId);
    for (const tenantId of d.tenantIds) {
      let t = this.tenants.get(tenantId);
      if (!t) {
        t = {
          tenantId,
          tier: tierOf(tenantId),
          pause_onboarding: 0,
          route_back: 0,
          halt_rollout: 0,
          firstDecidedAt: d.decidedAt,
        };
        this.tenants.set(tenantId, t);
      }
      t[d.action] += 1;
      t.firstDecidedAt = Math.min(t.firstDecidedAt, d.decidedAt);
    }
  }

  toSummary(): ReplaySummary {
    const seen = this.minTime <= this.maxTime;
    const total = this.byAction.pause_onboarding + this.byAction.route_back + this.byAction.halt_rollout;
    return {
      records: this.records,
      telemetry: this.telemetry,
      evals: this.evals,
      rolloutCommands: this.rolloutCommands,
      invalid: this.invalid,
      duplicates: this.duplicates,
      late: this.late,
      future: this.future,
      eventTime: {
        fromMs: seen ? this.minTime : null,
        toMs: seen ? this.maxTime : null,
        spanMs: seen ? this.maxTime - this.minTime : 0,
      },
      snapshots: this.snapshots,
      scores: this.scores,
      rollouts: [...this.rollouts].sort(),
      decisions: { total, byAction: { ...this.byAction }, byMode: { ...this.byMode } },
      tenants: [...this.tenants.values()].sort((a, b) =>
        a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0,
      ),
    };
  }
}
