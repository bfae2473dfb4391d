/**
 * Pure comparison of the topics a cluster has with the ones the registry wants. `topology apply`
 * creates what is missing and reports, never silently changes, what differs.
 */
import type { TopicSpec } from './topics.ts';

/** What the cluster says about one existing topic. */
export interface ExistingTopic {
  name: string;
  partitions: number;
  /** Topic-level configs as the broker reports them (`cleanup.policy`, `retention.ms`, ...). */
  configs: Record<string, string | undefined>;
}

export interface TopicDifference {
  topic: string;
  setting: 'partitions' | 'cleanup.policy' | 'retention.ms' | 'max.message.bytes';
  want: string;
  have: string;
}

export interface TopologyPlan {
  create: TopicSpec[];
  differences: TopicDifference[];
  unchanged: string[];
}

/** The topic-level configs backtrack sets on a topic it creates. */
export function topicConfigs(spec: TopicSpec): Record<string, string> {
  const configs: Record<string, string> = {
    'cleanup.policy': spec.cleanupPolicy,
    'retention.ms': String(spec.retentionMs),
  };
  if (spec.maxMessageBytes !== undefined) configs['max.message.bytes'] = String(spec.maxMessageBytes);
  return configs;
}

export function planTopology(
  desired: readonly TopicSpec[],
  existing: readonly ExistingTopic[],
): TopologyPlan {
  const byName = new Map(existing.map((t) => [t.name, t]));
  const plan: TopologyPlan = { create: [], differences: [], unchanged: [] };
  for (const spec of desired) {
    const have = byName.get(spec.name);
    if (!have) {
      plan.create.push(spec);
      continue;
    }
    const diffs: TopicDifference[] = [];
    if (have.partitions !== spec.partitions) {
      diffs.push({
        topic: spec.name,
        setting: 'partitions',
        want: String(spec.partitions),
        have: String(have.partitions),
      });
    }
    for (const [setting, want] of Object.entries(topicConfigs(spec)) as [
      TopicDifference['setting'],
      string,
    ][]) {
      const current = have.configs[setting];
      if (current !== undefined && current !== want)
        diffs.push({ topic: spec.name, setting, want, have: current });
    }
    if (diffs.length === 0) plan.unchanged.push(spec.name);
    plan.differences.push(...diffs);
  }
  return plan;
}
