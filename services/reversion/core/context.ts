/**
 * What every input of the reversion core receives besides the state, and what it returns.
 */
import type { AuditEvent, Bundle, RoutingCommand, SessionPolicy } from '../../../schemas/types.ts';
import type { Notification } from './notifications.ts';

/** Policy knobs of reversion. All optional in {@link ReversionContext}; defaults in {@link DEFAULT_OPTIONS}. */
export interface ReversionOptions {
  /** session policy for rollbacks (route_back, halt, abort) per tenant tier */
  sessionPolicyByTier: Readonly<Record<string, SessionPolicy>>;
  /** for tiers missing above */
  defaultSessionPolicy: SessionPolicy;
  /** ms; used when a needs_approval decision carries no approvalTimeoutMs */
  defaultApprovalTimeoutMs: number;
  /** used when a needs_approval decision carries no onApprovalTimeout */
  defaultOnApprovalTimeout: 'execute' | 'reject';
  /** actor of the audit events reversion writes on its own behalf */
  serviceActor: string;
}

export const DEFAULT_OPTIONS: ReversionOptions = {
  sessionPolicyByTier: {},
  defaultSessionPolicy: 'drain',
  defaultApprovalTimeoutMs: 30 * 60_000,
  defaultOnApprovalTimeout: 'reject',
  serviceActor: 'reversion',
};

export interface ReversionContext {
  /** epoch ms, reversion's wall clock: stamps commands and audit events, drives approval deadlines */
  nowMs: number;
  /** the bundles table (compacted deploy.bundles.v1), by bundleId */
  bundles: ReadonlyMap<string, Bundle>;
  options?: Partial<ReversionOptions>;
}

/** What one input produced, in the order it must be published. */
export interface ReversionOutput {
  /** to deploy.routing.v1, key tenantId */
  commands: RoutingCommand[];
  /** to audit.events.v1, key rolloutId */
  audit: AuditEvent[];
  /** to the webhooks (Slack, PagerDuty) */
  notifications: Notification[];
}

export function emptyOutput(): ReversionOutput {
  return { commands: [], audit: [], notifications: [] };
}

export function optionsOf(ctx: ReversionContext): ReversionOptions {
  return { ...DEFAULT_OPTIONS, ...ctx.options };
}

export function rollbackSessionPolicy(ctx: ReversionContext, tier: string): SessionPolicy {
  const o = optionsOf(ctx);
  return o.sessionPolicyByTier[tier] ?? o.defaultSessionPolicy;
}
