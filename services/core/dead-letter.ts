/** The dead-letter record of an input record that could not be decoded or validated. */
import { deadLetterTopic } from '../../topology/topics.ts';
import type { DecodeError } from './errors.ts';
import type { IHeaders, KafkaMessage, Message } from './kafka.ts';

export const dlqHeaders = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  sourceTopic: 'source-topic',
  sourcePartition: 'source-partition',
  sourceOffset: 'source-offset',
} as const;

/**
 * The original key, value bytes, timestamp and headers, plus why it failed and where it came from.
 * Goes to `<topic>.dlq`.
 */
export function deadLetter(
  topic: string,
  partition: number,
  message: KafkaMessage,
  error: DecodeError,
): { topic: string; message: Message } {
  const headers: IHeaders = {
    ...message.headers,
    [dlqHeaders.reason]: error.reason,
    [dlqHeaders.error]: error.message.slice(0, 1_000),
    [dlqHeaders.sourceTopic]: topic,
    [dlqHeaders.sourcePartition]: String(partition),
    [dlqHeaders.sourceOffset]: message.offset,
  };
  return {
    topic: deadLetterTopic(topic),
    message: { key: message.key, value: message.value, timestamp: message.timestamp, headers },
  };
}

/** Header values as strings (kafkajs gives Buffers, arrays of Buffers or undefined). */
export function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const last = Array.isArray(v) ? v.at(-1) : v;
    if (last !== undefined) out[k] = last.toString();
  }
  return out;
}
