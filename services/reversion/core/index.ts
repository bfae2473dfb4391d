export { applyRolloutCommand } from './rollout-commands.ts';
export { applyDecision, DECISION_ACTOR } from './decisions.ts';
export { applyApproval, tick } from './approvals.ts';
export { appendAudit, hashAuditEvent, verifyChain, type AuditEntry, type ChainCheck } from './audit-chain.ts';
export { recordNotificationFailure } from './notification-failure.ts';
export {
  toPagerDutyPayload,
  toSlackPayload,
  type Notification,
  type NotificationKind,
  type PagerDutyEvent,
  type Severity,
  type SlackPayload,
} from './notifications.ts';
export { checkRevert, routedBundleOf, type RevertCheck } from './routing.ts';
export { absorbRoutingCommand } from './routing-table.ts';
export { decodeReversionState, encodeReversionState, type DecodedState } from './state-codec.ts';
export {
  DEFAULT_OPTIONS,
  type ReversionContext,
  type ReversionOptions,
  type ReversionOutput,
} from './context.ts';
export {
  createReversionState,
  GENESIS_HASH,
  type AuditHead,
  type DecisionOutcome,
  type PendingApproval,
  type ReversionState,
  type RolloutState,
  type RolloutStatus,
  type TenantRouting,
} from './state.ts';
