/**
 * A binding ties a topic of the registry (by key) to the Kafka topic name actually used. Production
 * uses the registry's names; tests and side-by-side environments rename them (a unique suffix).
 */
import type { SchemaName } from '../../schemas/index.ts';
import {
  allTopicSpecs,
  changelogTopic,
  deadLetterTopic,
  stateStores,
  topics,
  type TopicKey,
  type TopicSpec,
} from '../../topology/topics.ts';

export interface TopicBinding {
  readonly key: TopicKey;
  /** Kafka topic name. */
  readonly name: string;
  readonly schema: SchemaName;
  /** Registry subject of the value schema (TopicNameStrategy). */
  readonly subject: string;
}

export type TopicBindings = Readonly<Record<TopicKey, TopicBinding>>;

export const valueSubject = (topicName: string): string => `${topicName}-value`;

/** Bindings for every registry topic, with the names in `rename` replacing the registry's. */
export function bindTopics(rename: Partial<Record<TopicKey, string>> = {}): TopicBindings {
  const entries = (Object.keys(topics) as TopicKey[]).map((key): [TopicKey, TopicBinding] => {
    const name = rename[key] ?? topics[key].name;
    return [key, { key, name, schema: topics[key].value, subject: valueSubject(name) }];
  });
  return Object.fromEntries(entries) as Record<TopicKey, TopicBinding>;
}

/** Legal Kafka topic and consumer group characters. */
const KAFKA_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Parses topic renames `key=name,…` (BACKTRACK_TOPICS, the CLI's `--topics`): keys of the registry,
 * names of legal Kafka topic characters. Returns the message `expected …` for the first bad pair.
 */
export function parseTopicRenames(
  spec: string | undefined,
): { readonly renames: Partial<Record<TopicKey, string>> } | { readonly error: string } {
  const renames: Partial<Record<TopicKey, string>> = {};
  const pairs = (spec ?? '').split(',').map((s) => s.trim());
  for (const pair of pairs.filter((s) => s !== '')) {
    const [key, name, extra] = pair.split('=').map((s) => s.trim());
    if (key === undefined || !(key in topics) || !name || extra !== undefined || !KAFKA_NAME.test(name))
      return {
        error: `expected <key>=<topic name>,... with key in ${Object.keys(topics).join('|')}; bad pair "${pair}"`,
      };
    renames[key as TopicKey] = name;
  }
  return { renames };
}

/** `key=name,…` of `renames`, as parseTopicRenames reads it. */
export const formatTopicRenames = (renames: Partial<Record<TopicKey, string>>): string =>
  Object.entries(renames)
    .map(([key, name]) => `${key}=${name}`)
    .join(',');

/** Whether `appId` can prefix consumer group ids and changelog topics. */
export const validAppId = (appId: string): boolean => KAFKA_NAME.test(appId) && appId.length <= 200;

/** Default BACKTRACK_APP_ID: the names of a single deployment, as they have always been. */
export const DEFAULT_APP_ID = 'backtrack';

/** The Kafka names one service of one deployment (`appId`) owns. */
export interface ServiceNames {
  /** StreamRunner `app`: the state directory under the state root, `<service>` for the default app id. */
  readonly app: string;
  /** Consumer group: `<appId>-<service>`. */
  readonly groupId: string;
  /** Changelog of a store: `<appId>-<service>-<store>-changelog`. */
  readonly changelogTopic: (store: string) => string;
}

/**
 * With the default app id these are the topology's own names (`changelogTopic(service, store)`,
 * group `backtrack-<service>`); another app id prefixes them all, so deployments share a cluster.
 */
export function serviceNames(appId: string, service: string): ServiceNames {
  const prefix = `${appId}-${service}`;
  return {
    app: appId === DEFAULT_APP_ID ? service : prefix,
    groupId: prefix,
    changelogTopic: (store) => changelogTopic(service, store, appId),
  };
}

/**
 * Every topic of the topology (allTopicSpecs) as deployment `appId` with topic `renames` names it:
 * registry topics and their dead-letter topics renamed, changelogs as `serviceNames` gives them.
 */
export function deploymentTopicSpecs(appId: string, renames: Partial<Record<TopicKey, string>>): TopicSpec[] {
  const names = new Map<string, string>();
  for (const key of Object.keys(topics) as TopicKey[]) {
    const name = renames[key] ?? topics[key].name;
    names.set(topics[key].name, name).set(deadLetterTopic(topics[key].name), deadLetterTopic(name));
  }
  for (const [service, { store }] of Object.entries(stateStores))
    names.set(changelogTopic(service, store), serviceNames(appId, service).changelogTopic(store));
  return allTopicSpecs().map((spec) => ({ ...spec, name: names.get(spec.name) ?? spec.name }));
}
