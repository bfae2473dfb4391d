/**
 * `topology apply`: creates the topics that are missing and reports the ones whose partitions or
 * configs differ from the registry. It never alters an existing topic; that is an operator's call.
 */
import type { Admin } from 'kafkajs';
import { planTopology, topicConfigs, type ExistingTopic, type TopologyPlan } from './plan.ts';
import type { TopicSpec } from './topics.ts';

const TOPIC_RESOURCE = 2; // kafkajs ConfigResourceTypes.TOPIC

export async function describeExisting(admin: Admin, names: readonly string[]): Promise<ExistingTopic[]> {
  const present = new Set(await admin.listTopics());
  const wanted = names.filter((n) => present.has(n));
  if (wanted.length === 0) return [];
  const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: wanted.map((name) => ({
      type: TOPIC_RESOURCE,
      name,
      configNames: ['cleanup.policy', 'retention.ms', 'max.message.bytes'],
    })),
  });
  const configs = new Map(
    described.resources.map((r) => [
      r.resourceName,
      Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
    ]),
  );
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.length,
    configs: configs.get(t.name) ?? {},
  }));
}

export async function applyTopology(
  admin: Admin,
  desired: readonly TopicSpec[],
  replicationFactor = 1,
): Promise<TopologyPlan> {
  const plan = planTopology(
    desired,
    await describeExisting(
      admin,
      desired.map((t) => t.name),
    ),
  );
  if (plan.create.length > 0) {
    await admin.createTopics({
      waitForLeaders: false,
      topics: plan.create.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor,
        configEntries: Object.entries(topicConfigs(t)).map(([name, value]) => ({ name, value })),
      })),
    });
    await waitForLeaders(
      admin,
      plan.create.map((t) => t.name),
    );
  }
  return plan;
}

/**
 * Waits until every partition of `names` has a leader. kafkajs's own `waitForLeaders` gives up on
 * UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for a moment after creating a topic.
 */
export async function waitForLeaders(
  admin: Admin,
  names: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      if (topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topics without a leader after ${timeoutMs} ms: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function formatPlan(plan: TopologyPlan): string {
  const lines = [
    ...plan.create.map((t) => `created   ${t.name} (${t.partitions} partitions, ${t.cleanupPolicy})`),
    ...plan.unchanged.map((n) => `ok        ${n}`),
    ...plan.differences.map(
      (d) => `DIFFERS   ${d.topic}: ${d.setting} is ${d.have}, registry wants ${d.want} (not changed)`,
    ),
  ];
  return lines.join('\n');
}
