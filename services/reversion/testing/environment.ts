/**
 * Integration-test support: the topics reversion needs, renamed uniquely per test, with the partition
 * counts and cleanup policies of the topology (inputs co-partitioned, routing compacted).
 */
import {
  changelogTopic,
  deadLetterTopic,
  stateStores,
  topics,
  type TopicKey,
} from '../../../topology/topics.ts';

export interface ReversionTopics {
  readonly app: string;
  readonly groupId: string;
  readonly rename: Partial<Record<TopicKey, string>>;
  readonly changelog: string;
  /** Everything to create (and delete after the test). */
  readonly all: ReadonlyArray<{ topic: string; partitions: number; compact: boolean }>;
}

const KEYS = ['bundles', 'rollouts', 'decisions', 'approvals', 'routing', 'audit'] as const;
const CONSUMED = ['rollouts', 'decisions', 'approvals'] as const;

/** `unique(base)` gives a name no other run uses (helpers.ts `uniqueName`). */
export function reversionTopics(unique: (base: string) => string): ReversionTopics {
  const rename = Object.fromEntries(KEYS.map((key) => [key, unique(key)])) as Record<
    (typeof KEYS)[number],
    string
  >;
  const app = `reversion-${rename.decisions.replace(/\./g, '-')}`;
  const changelog = changelogTopic(app, stateStores.reversion.store);
  const all = [
    ...KEYS.map((key) => ({
      topic: rename[key],
      partitions: topics[key].partitions,
      compact: topics[key].cleanupPolicy === 'compact',
    })),
    ...CONSUMED.map((key) => ({ topic: deadLetterTopic(rename[key]), partitions: 1, compact: false })),
    { topic: changelog, partitions: stateStores.reversion.partitions, compact: true },
  ];
  return { app, groupId: `test-${app}`, rename, changelog, all };
}
