/**
 * A binding ties a topic of the registry (by key) to the Kafka topic name actually used. Production
 * uses the registry's names; tests and side-by-side environments rename them (a unique suffix).
 */
import type { SchemaName } from '../../schemas/index.ts';
import { topics, type TopicKey } from '../../topology/topics.ts';

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
