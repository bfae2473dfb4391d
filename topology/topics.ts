/**
 * The typed topic registry: every topic backtrack reads or writes, in one `as const` map. Dead-letter
 * and changelog names are derived here, never typed by hand elsewhere.
 */
import type { SchemaName } from '../schemas/index.ts';

export type CleanupPolicy = 'delete' | 'compact';

export interface TopicSpec {
  /** Kafka topic name. */
  readonly name: string;
  /** What the record key is (documentation and the diagram; keys are UTF-8 strings). */
  readonly key: string;
  /** Avro record of the value, registered under `<name>-value`; `bytes` for opaque values (DLQ, changelogs). */
  readonly value: SchemaName | 'bytes';
  readonly partitions: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** ms; -1 keeps forever. Ignored by compaction except for tombstones. */
  readonly retentionMs: number;
  /** Largest record the topic accepts, bytes (`max.message.bytes`); absent: the broker's default (1 MiB). */
  readonly maxMessageBytes?: number;
  /** Who produces it (services or external actors), for the diagram. */
  readonly producers: readonly string[];
  readonly consumers: readonly string[];
}

const DAY = 86_400_000;

export const topics = {
  telemetry: {
    name: 'agent.telemetry.v1',
    key: 'tenantId',
    value: 'TelemetryEvent',
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY,
    producers: ['gateways'],
    consumers: ['signals'],
  },
  evals: {
    name: 'agent.evals.v1',
    key: 'tenantId',
    value: 'EvalEvent',
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY,
    producers: ['judges'],
    consumers: ['signals'],
  },
  bundles: {
    name: 'deploy.bundles.v1',
    key: 'bundleId',
    value: 'Bundle',
    partitions: 1,
    cleanupPolicy: 'compact',
    retentionMs: -1,
    producers: ['registry'],
    consumers: ['reversion', 'console', 'cli'],
  },
  rollouts: {
    name: 'deploy.rollouts.v1',
    key: 'rolloutId',
    value: 'RolloutCommand',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 90 * DAY,
    producers: ['cli', 'console'],
    consumers: ['reversion', 'signals', 'trigger'],
  },
  signals: {
    name: 'alert.signals.v1',
    key: 'rolloutId',
    value: 'SignalSnapshot',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 3 * DAY,
    producers: ['signals'],
    consumers: ['trigger'],
  },
  scores: {
    name: 'alert.scores.v1',
    key: 'rolloutId',
    value: 'AlertScore',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY,
    producers: ['trigger'],
    consumers: ['console'],
  },
  decisions: {
    name: 'rollback.decisions.v1',
    key: 'rolloutId',
    value: 'RollbackDecision',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 365 * DAY,
    producers: ['trigger'],
    consumers: ['reversion', 'console'],
  },
  approvals: {
    name: 'rollback.approvals.v1',
    key: 'rolloutId',
    value: 'Approval',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 365 * DAY,
    producers: ['console', 'cli'],
    consumers: ['reversion'],
  },
  routing: {
    name: 'deploy.routing.v1',
    key: 'tenantId',
    value: 'RoutingCommand',
    partitions: 6,
    cleanupPolicy: 'compact',
    retentionMs: -1,
    producers: ['reversion'],
    consumers: ['gateways', 'console'],
  },
  audit: {
    name: 'audit.events.v1',
    key: 'rolloutId',
    value: 'AuditEvent',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: -1,
    producers: ['reversion'],
    consumers: ['console', 'cli'],
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof topics;

/** Dead-letter topic of a consumed topic: undecodable or invalid records, with the reason in headers. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** Compacted changelog of a state store, as Kafka Streams names them: `<app>-<store>-changelog`. */
/** The changelog of `store` of service `app` in deployment `appId` (BACKTRACK_APP_ID, default `backtrack`). */
export const changelogTopic = (app: string, store: string, appId = 'backtrack'): string =>
  `${appId}-${app}-${store}-changelog`;

/** Internal topics owned by one service, with their partitions matching the input they shadow. */
export const stateStores = {
  signals: { store: 'tenant-windows', partitions: topics.telemetry.partitions },
  // One key per rollout, per tenant and per tenant's window arms (services/trigger/rollout-state-store.ts):
  // records of a few KB, well inside the broker's default max.message.bytes.
  trigger: { store: 'rollout-state', partitions: topics.signals.partitions },
  reversion: { store: 'routing-state', partitions: topics.decisions.partitions },
} as const satisfies Record<string, { store: string; partitions: number }>;

/** Every topic the topology needs: the registry, a DLQ per consumed topic, a changelog per store. */
export function allTopicSpecs(): TopicSpec[] {
  const base: TopicSpec[] = Object.values(topics);
  const dlqs: TopicSpec[] = base
    .filter((t) => t.consumers.some((c) => c !== 'gateways'))
    .map((t) => ({
      ...t,
      name: deadLetterTopic(t.name),
      value: 'bytes',
      partitions: 1,
      cleanupPolicy: 'delete',
      retentionMs: 30 * DAY,
      producers: t.consumers,
      consumers: ['ops'],
    }));
  const changelogs: TopicSpec[] = Object.entries(stateStores).map(([app, s]) => ({
    name: changelogTopic(app, s.store),
    key: 'store key',
    value: 'bytes',
    partitions: s.partitions,
    cleanupPolicy: 'compact',
    retentionMs: -1,
    producers: [app],
    consumers: [app],
  }));
  return [...base, ...dlqs, ...changelogs];
}
