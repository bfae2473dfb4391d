/**
 * The topics, consumer groups and changelogs of one demo run. Every run gets its own (the registry's
 * names prefixed `demo-<run>.`, app id `backtrack-demo-<run>`), so it never resumes the offsets, state
 * or stream time of an earlier run, nor reads traffic other tools write to the default topics. A
 * service joins the run through `run.env` (BACKTRACK_APP_ID, BACKTRACK_TOPICS). `removeRun` deletes
 * them all (and the run's schema subjects) at the end.
 */
import { topics, type TopicKey, type TopicSpec } from '../../topology/topics.ts';
import type { Codec } from '../../services/core/codec.ts';
import {
  deploymentTopicSpecs,
  formatTopicRenames,
  serviceNames,
} from '../../services/core/topic-bindings.ts';
import * as k from '../../services/core/kafka.ts';

export interface DemoRun {
  readonly tag: string;
  /** Registry key → Kafka topic name of this run. */
  readonly rename: Readonly<Record<TopicKey, string>>;
  /** BACKTRACK_APP_ID of the run's services: `backtrack-demo-<run>`. */
  readonly appId: string;
  /** The environment that puts a service (services/<name>/main.ts) on this run's topics and groups. */
  readonly env: Readonly<Record<'BACKTRACK_APP_ID' | 'BACKTRACK_TOPICS', string>>;
  /** Every topic of the run: the registry's, their dead-letter topics, the changelogs. */
  readonly specs: readonly TopicSpec[];
}

export function demoRun(tag: string): DemoRun {
  const keys = Object.keys(topics) as TopicKey[];
  const named = (name: string): string => `demo-${tag}.${name}`;
  const appId = `backtrack-demo-${tag}`;
  const rename = Object.fromEntries(keys.map((key) => [key, named(topics[key].name)])) as Record<
    TopicKey,
    string
  >;
  const specs = deploymentTopicSpecs(appId, rename);
  const env = { BACKTRACK_APP_ID: appId, BACKTRACK_TOPICS: formatTopicRenames(rename) };
  return { tag, rename, appId, env, specs };
}

/** Deletes the run's consumer groups (every group id containing `demo-<run>`), topics and subjects. */
export async function removeRun(kafka: k.Kafka, codec: Codec, run: DemoRun): Promise<void> {
  const admin = k.createAdmin(kafka);
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const mine = groups.map((g) => g.groupId).filter((id) => id.includes(`demo-${run.tag}`));
    if (mine.length > 0) await admin.deleteGroups(mine).catch(() => undefined);
    await admin.deleteTopics({ topics: run.specs.map((s) => s.name) }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  await Promise.allSettled(Object.values(run.rename).map((n) => codec.http.deleteSubject(`${n}-value`)));
}

/** Resolves once the run's services have joined their consumer groups (`Stable`, with members). */
export async function waitForServices(
  kafka: k.Kafka,
  run: DemoRun,
  services: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const groupIds = services.map((s) => serviceNames(run.appId, s).groupId);
  const admin = k.createAdmin(kafka);
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await admin.describeGroups(groupIds);
      const waiting = groups.filter((g) => g.state !== 'Stable' || g.members.length === 0);
      if (waiting.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `services not ready after ${timeoutMs} ms: ${waiting.map((g) => g.groupId).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}
