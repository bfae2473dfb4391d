/**
 * Operator queries over the topics, shared by the CLI and the console: plain functions that read
 * Kafka (through topic-reader.ts) and return data; formatting is the caller's.
 */
export { readTopic, byTimestamp, type ReaderDeps, type TopicRecord, type ReadRange } from './topic-reader.ts';
export { tailTopic, type Tail } from './tail-topic.ts';
export {
  auditTimeline,
  verifyAudit,
  verifyAuditRecords,
  type AuditVerification,
  type TimelineEntry,
} from './audit.ts';
export {
  listDecisions,
  findDecision,
  findDecisionRow,
  decisionStatuses,
  type DecisionRow,
  type DecisionQuery,
} from './decisions.ts';
export { whoServed, whoServedAt, type WhoServedAnswer, type ServedBundle } from './who-served.ts';
export {
  rolloutStatus,
  rolloutStatusOf,
  type RolloutStatusView,
  type RolloutTenantView,
} from './rollout-status.ts';
export {
  readRoutingTable,
  latestByTenant,
  mergeSteps,
  stepOfCommand,
  stepsOfAudit,
  type RoutingStep,
} from './routing-history.ts';
export { selectTenants, type TenantSelection, type SelectTenantsInput } from './select-tenants.ts';
export { diffDecisions, type DecisionDiff, type DiffEntry } from './decision-diff.ts';
export { readBundles } from './bundles.ts';
