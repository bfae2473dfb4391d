/**
 * What one core output means for the service's metrics, read from the output itself (its routing
 * commands and audit events). Pure; applied by the processor once the output is committed.
 */
import type { AuditEvent, DecisionAction, RoutingCommand } from '../../schemas/types.ts';
import { boundedLabel } from '../core/metrics.ts';
import type { ReversionOutput, ReversionState } from './core/index.ts';
import type { ReversionMetrics } from './metrics.ts';

/**
 * What caused an output: an operator command, a decision, a human's approval, an approval timeout, or
 * a webhook delivery's outcome (`notification_failed`).
 */
export type Via = 'command' | 'decision' | 'approval' | 'timeout' | 'delivery';

export interface OutputEffects {
  readonly via: Via;
  readonly commands: ReadonlyArray<{ reason: string; via: Via; tier: string }>;
  readonly auditKinds: readonly string[];
  readonly executed: ReadonlyArray<{ action: string; via: 'automatic' | 'approval' | 'timeout' }>;
  readonly refusals: number;
}

/** Decision id → action of every decision pending on the rollouts, to label what executing them routes. */
export function pendingActions(
  state: ReversionState,
  rolloutIds?: Iterable<string>,
): Map<string, DecisionAction> {
  const out = new Map<string, DecisionAction>();
  const ids = rolloutIds === undefined ? state.rollouts.keys() : rolloutIds;
  for (const id of ids)
    for (const p of state.rollouts.get(id)?.pending ?? []) out.set(p.decision.decisionId, p.decision.action);
  return out;
}

const EXECUTED_VIA = {
  decision_received: 'automatic',
  approval: 'approval',
  approval_timeout: 'timeout',
} as const;

function details(e: AuditEvent): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(e.details);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * `rolloutAction`: the operator command's action when the input was one; `actions`: decision id →
 * action for decisions the input may have executed (see `pendingActions`).
 */
export function effectsOf(
  out: Pick<ReversionOutput, 'commands' | 'audit'>,
  via: Via,
  actions: ReadonlyMap<string, string>,
  rolloutAction?: string,
): OutputEffects {
  const reasonOf = (c: RoutingCommand): string =>
    c.decisionId === null ? (rolloutAction ?? 'other') : (actions.get(c.decisionId) ?? 'other');
  const executed: Array<{ action: string; via: 'automatic' | 'approval' | 'timeout' }> = [];
  for (const e of out.audit) {
    if (!(e.kind in EXECUTED_VIA)) continue;
    const d = details(e);
    if (d.outcome !== 'executed') continue;
    const decisionId = typeof d.decisionId === 'string' ? d.decisionId : e.subjectId;
    const action = typeof d.action === 'string' ? d.action : (actions.get(decisionId) ?? 'other');
    executed.push({ action, via: EXECUTED_VIA[e.kind as keyof typeof EXECUTED_VIA] });
  }
  return {
    via,
    commands: out.commands.map((c) => ({ reason: reasonOf(c), via, tier: c.tenantTier })),
    auditKinds: out.audit.map((e) => e.kind),
    executed,
    refusals: out.audit.filter((e) => e.kind === 'refused').length,
  };
}

/** Counts committed effects; tiers outside `tiers` are labelled `other`. */
export function countEffects(m: ReversionMetrics, e: OutputEffects, tiers: readonly string[]): void {
  for (const c of e.commands)
    m.routingCommands.inc({ reason: c.reason, via: c.via, tier: boundedLabel(c.tier, tiers) });
  for (const kind of e.auditKinds) m.auditEvents.inc({ kind });
  for (const x of e.executed) m.decisionsExecuted.inc(x);
  if (e.refusals > 0) m.refusals.inc({ via: e.via }, e.refusals);
}
