/**
 * The whole topology of one end-to-end test file under unique names: every registry topic renamed
 * (`test.e2e-<label>-<key>.<run>.<n>`), its dead-letter topic, and one changelog per state store, with
 * the registry's partitions, cleanup policies and retention. Created before the pipeline starts;
 * deleted after, with the consumer groups and schema subjects the run made.
 */
import * as k from '../../services/core/kafka.ts';
import type { Codec } from '../../services/core/codec.ts';
import { topicConfigs } from '../../topology/plan.ts';
import { waitForLeaders } from '../../topology/apply.ts';
import {
  allTopicSpecs,
  changelogTopic,
  deadLetterTopic,
  stateStores,
  topics,
  type TopicKey,
  type TopicSpec,
} from '../../topology/topics.ts';

export type StoreApp = keyof typeof stateStores;

export interface E2eTopics {
  /** Registry key → Kafka topic name used by every service of this file. */
  readonly rename: Readonly<Record<TopicKey, string>>;
  /** Changelog topic of a service's store, by service. */
  readonly changelog: (app: StoreApp) => (store: string) => string;
  /** Everything to create and delete: topics, DLQs, changelogs. */
  readonly specs: readonly TopicSpec[];
}

/** `unique(base)` returns a topic name no other run uses (integration helpers' `uniqueName`). */
export function e2eTopics(label: string, unique: (base: string) => string): E2eTopics {
  const keys = Object.keys(topics) as TopicKey[];
  const rename = Object.fromEntries(keys.map((key) => [key, unique(`e2e-${label}-${key}`)])) as Record<
    TopicKey,
    string
  >;
  const appOf = (app: StoreApp): string => `${rename.telemetry.replace(/\./g, '-')}-${app}`;
  const byOriginal = new Map<string, string>(keys.map((key) => [topics[key].name, rename[key]]));
  const changelogs = new Map<string, string>(
    (Object.keys(stateStores) as StoreApp[]).map((app) => [
      changelogTopic(app, stateStores[app].store),
      changelogTopic(appOf(app), stateStores[app].store),
    ]),
  );
  const specs = allTopicSpecs().map((spec): TopicSpec => {
    const base = byOriginal.get(spec.name);
    if (base !== undefined) return { ...spec, name: base };
    const changelog = changelogs.get(spec.name);
    if (changelog !== undefined) return { ...spec, name: changelog };
    const dlqOf = [...byOriginal].find(([original]) => deadLetterTopic(original) === spec.name);
    if (dlqOf !== undefined) return { ...spec, name: deadLetterTopic(dlqOf[1]) };
    throw new Error(`topic ${spec.name} has no e2e name`);
  });
  return { rename, changelog: (app) => (store) => changelogTopic(appOf(app), store), specs };
}

/**
 * Topic configs beyond the topology's. WORKAROUND, to remove once trigger is fixed: trigger keeps a
 * rollout's whole state (every tenant's last 24 windows of arm aggregates and sketches under the demo
 * policy) in ONE store value, rewritten to its changelog at every commit. It passes Kafka's default
 * 1 MB batch limit (max.message.bytes) ~2 event-minutes into a 10-tenant canary: the commit fails with
 * MESSAGE_TOO_LARGE, the trigger stops (or the process dies with SIGSEGV in RocksDB). 16 MB lets these
 * tests exercise the rest of the pipeline; 20 tenants reach about 2.4 MB.
 */

/** Creates every topic of `t` with the topology's configs. */
export async function createE2eTopics(kafka: k.Kafka, t: E2eTopics): Promise<void> {
  const admin = k.createAdmin(kafka);
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: t.specs.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: 1,
        configEntries: Object.entries(topicConfigs(spec)).map(([name, value]) => ({ name, value })),
      })),
    });
    await waitForLeaders(
      admin,
      t.specs.map((spec) => spec.name),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the consumer groups `ownGroup` accepts, then every topic of `t`; errors are ignored. */
export async function deleteE2eTopics(
  kafka: k.Kafka,
  t: E2eTopics,
  ownGroup: (groupId: string) => boolean,
): Promise<void> {
  const admin = k.createAdmin(kafka);
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const mine = groups.map((g) => g.groupId).filter(ownGroup);
    if (mine.length > 0) await admin.deleteGroups(mine).catch(() => undefined);
    await admin.deleteTopics({ topics: t.specs.map((s) => s.name) }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes (soft, then permanently) the value subjects the run registered. */
export async function deleteE2eSubjects(codec: Codec, t: E2eTopics): Promise<void> {
  const names = Object.values(t.rename);
  await Promise.allSettled(names.map((n) => codec.http.deleteSubject(`${n}-value`)));
}
