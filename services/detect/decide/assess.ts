import type { AlertScore, RollbackDecision, SignalSnapshot } from '../../../schemas/types.ts';
import type { Policy } from '../policy/schema.ts';
import { finalizeWindow } from './escalation.ts';
import { ensureTenant, type RolloutState } from './state.ts';
import { assessTenant } from './tenant.ts';

export interface Assessed {
  /** the snapshot's tenant score (one per snapshot of this rollout) */
  readonly scores: AlertScore[];
  /** rollout-level decisions of the window the snapshot closed, if any */
  readonly decisions: RollbackDecision[];
}

/**
 * Stage 2 for one snapshot (mutates `state` in place; deterministic for the same inputs in the same order).
 * Snapshots of one window arrive tenant by tenant: each one scores its tenant and records its arms; the
 * first snapshot with a newer windowEnd closes the previous window, and only then are pooled detection,
 * breadth and the escalation evaluated (see {@link finalizeWindow}; call it directly at end of input).
 * Snapshots of another rollout are ignored.
 */
export function assessSnapshot(state: RolloutState, s: SignalSnapshot, policy: Policy): Assessed {
  if (s.rolloutId !== state.rolloutId) return { scores: [], decisions: [] };
  const decisions = s.windowEnd > state.windowEnd ? finalizeWindow(state, policy) : [];
  state.windowEnd = Math.max(state.windowEnd, s.windowEnd);
  if (!state.candidateBundleId) state.candidateBundleId = s.candidateBundleId;
  if (!state.baselineBundleId) state.baselineBundleId = s.baselineBundleId;
  const tenant = ensureTenant(state, s.tenantId, s.tenantTier);
  return { scores: [assessTenant(state, tenant, s, policy)], decisions };
}
