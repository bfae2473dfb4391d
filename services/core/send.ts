/** Sending record batches in chunks small enough for the broker's per-batch limit (1 MiB by default). */
import type { Message, Producer, RecordMetadata, TopicMessages } from './kafka.ts';

/** A producer, or a transaction of one: both send the same way. */
export type Sender = Pick<Producer, 'sendBatch'>;

export const DEFAULT_CHUNK_BYTES = 512 * 1024;

const sizeOf = (m: Message): number =>
  (m.key?.length ?? 0) + (m.value?.length ?? 0) + 64 + Object.keys(m.headers ?? {}).length * 64;

/** Splits messages, in order, into runs of at most ~`maxBytes` (a larger single message is alone). */
export function chunkBySize<M extends Message>(
  messages: readonly M[],
  maxBytes = DEFAULT_CHUNK_BYTES,
): M[][] {
  const out: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (bytes + size > maxBytes && current.length > 0) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Sends with acks=all, one request per topic chunk; the metadata of every request. */
export async function sendChunked(
  sender: Sender,
  topicMessages: readonly TopicMessages[],
  maxBytes = DEFAULT_CHUNK_BYTES,
): Promise<RecordMetadata[]> {
  const out: RecordMetadata[] = [];
  for (const { topic, messages } of topicMessages) {
    for (const chunk of chunkBySize(messages, maxBytes)) {
      out.push(...(await sender.sendBatch({ topicMessages: [{ topic, messages: chunk }], acks: -1 })));
    }
  }
  return out;
}
