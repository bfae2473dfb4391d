/**
 * The topics, consumer groups and changelogs of one demo run. Every run gets its own (the registry's
 * names prefixed `demo-<run>.`, services named `demo-<run>-<service>`), so it never resumes the offsets,
 * state or stream time of an earlier run, nor reads traffic other tools write to the default topics.
 * `removeRun` deletes them all (and the run's schema subjects) at the end.
 */
import {
  changelogTopic,
  deadLetterTopic,
  allTopicSpecs,
  topics,
  type TopicKey,
} from '../../topology/topics.ts';
import type { TopicSpec } from '../../topology/topics.ts';
import type { Codec } from '../../services/core/codec.ts';
import * as k from '../../services/core/kafka.ts';

export interface DemoRun {
  readonly tag: string;
  /** Registry key → Kafka topic name of this run. */
  readonly rename: Readonly<Record<TopicKey, string>>;
  /** The `app` of a service (changelog topic, group `backtrack-<app>`, state directory): `demo-<run>-<service>`. */
  readonly app: (service: string) => string;
  /** Every topic of the run: the registry's, their dead-letter topics, the changelogs. */
  readonly specs: readonly TopicSpec[];
}

export function demoRun(tag: string): DemoRun {
  const keys = Object.keys(topics) as TopicKey[];
  const named = (name: string): string => `demo-${tag}.${name}`;
  const app = (service: string): string => `demo-${tag}-${service}`;
  const rename = Object.fromEntries(keys.map((key) => [key, named(topics[key].name)])) as Record<
    TopicKey,
    string
  >;
  const specs = allTopicSpecs().map((spec): TopicSpec => {
    const own = spec.name.match(/^backtrack-(\w+)-(.+)-changelog$/);
    if (own?.[1] !== undefined && own[2] !== undefined)
      return { ...spec, name: changelogTopic(app(own[1]), own[2]) };
    return { ...spec, name: named(spec.name) };
  });
  const known = new Set(specs.map((s) => s.name));
  for (const key of keys) {
    if (!known.has(rename[key]) || !known.has(deadLetterTopic(rename[key])))
      throw new Error(`demo run: no topic for ${key}`);
  }
  return { tag, rename, app, specs };
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
  const groupIds = services.map((s) => `backtrack-${run.app(s)}`);
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
