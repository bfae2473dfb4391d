/**
 * The state reversion owns: the routing of every tenant it has routed and every rollout it has seen.
 * It is the single writer of `deploy.routing.v1`; this state is what the service keeps in its store
 * (see state-codec.ts) and changelogs. The core's functions mutate it in place and return the outputs.
 */
import type {
  CandidateArm,
  RollbackDecision,
  RolloutStrategy,
  RolloutTenant,
} from '../../../schemas/types.ts';

/** The routing of one tenant as last published. `epoch` 0 means never routed. */
export interface TenantRouting {
  tenantId: string;
  tenantTier: string;
  stableBundleId: string;
  candidateBundleId: string | null;
  candidateArm: CandidateArm | null;
  /** 0..100 */
  candidatePercent: number;
  /** per tenant, +1 on every routing command */
  epoch: number;
  rolloutId: string | null;
}

export type RolloutStatus = 'running' | 'paused' | 'promoted' | 'aborted' | 'halted';

/** What became of a decision id: every id seen is remembered, so a redelivery is recognised. */
export type DecisionOutcome = 'executed' | 'pending' | 'rejected' | 'dry_run' | 'ignored' | 'refused';

/** A needs_approval decision waiting for a human. */
export interface PendingApproval {
  decision: RollbackDecision;
  /** epoch ms, reversion's clock when the decision arrived */
  receivedAt: number;
  /** epoch ms; receivedAt + approvalTimeoutMs */
  deadline: number;
  onTimeout: 'execute' | 'reject';
}

export interface RolloutState {
  rolloutId: string;
  status: RolloutStatus;
  strategy: RolloutStrategy;
  candidateBundleId: string;
  baselineBundleId: string;
  /** 0..100, the share currently on the candidate for tenants still on it */
  candidatePercent: number;
  /** every tenant onboarded, in onboarding order */
  tenants: RolloutTenant[];
  /** tenants no longer on the candidate (routed back, aborted, halted) */
  routedBack: string[];
  onboardingPaused: boolean;
  /** rollout command ids applied or refused (a retried command is applied once) */
  commandIds: string[];
  decisions: Map<string, DecisionOutcome>;
  pending: PendingApproval[];
}

/** Head of the audit chain of one rollout id (also kept for ids no rollout was started for). */
export interface AuditHead {
  seq: number;
  hash: string;
}

export interface ReversionState {
  tenants: Map<string, TenantRouting>;
  rollouts: Map<string, RolloutState>;
  auditHeads: Map<string, AuditHead>;
}

export const GENESIS_HASH = '0'.repeat(64);

export function createReversionState(): ReversionState {
  return { tenants: new Map(), rollouts: new Map(), auditHeads: new Map() };
}

/** Tenants of the rollout still on its candidate, in onboarding order. */
export function activeTenants(rollout: RolloutState): RolloutTenant[] {
  const back = new Set(rollout.routedBack);
  return rollout.tenants.filter((t) => !back.has(t.tenantId));
}

export function isLive(rollout: RolloutState): boolean {
  return rollout.status === 'running' || rollout.status === 'paused';
}
