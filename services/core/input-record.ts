/** Turns a Kafka message of an input topic into a processor record, or says why it cannot be one. */
import type { TopicKey } from '../../topology/topics.ts';
import type { Codec, Validator } from './codec.ts';
import { headerStrings } from './dead-letter.ts';
import { DecodeError } from './errors.ts';
import type { KafkaMessage } from './kafka.ts';
import type { RecordOf } from './processor.ts';
import type { ValueOf } from './wire-types.ts';

export interface InputRules<In extends TopicKey> {
  /** Event time (epoch ms) of a decoded value; default the Kafka record timestamp. */
  readonly eventTime?: { readonly [K in In]?: (value: ValueOf<K>, kafkaTimestampMs: number) => number };
  /** Semantic checks after decoding; a failure is a DecodeError with reason `invalid`. */
  readonly validate?: { readonly [K in In]?: Validator<ValueOf<K>> };
}

/** The headers of a record that has none (most): shared, so a plain record allocates no headers object. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function recordHeaders(headers: KafkaMessage['headers']): Readonly<Record<string, string>> {
  for (const _ in headers) return headerStrings(headers);
  return NO_HEADERS;
}

export type InputResult<In extends TopicKey> =
  { readonly ok: true; readonly record: RecordOf<In> } | { readonly ok: false; readonly error: DecodeError };

/**
 * Decodes, validates and timestamps one message. A DecodeError comes back as a value (the record
 * belongs in the DLQ); anything else, such as the registry being unreachable, is thrown.
 */
export async function toInputRecord<In extends TopicKey>(
  codec: Codec,
  key: In,
  partition: number,
  message: KafkaMessage,
  rules: InputRules<In>,
): Promise<InputResult<In>> {
  const kafkaTimestamp = Number(message.timestamp);
  try {
    const value = await codec.decode(key, message.value, rules.validate?.[key]);
    const timestamp = rules.eventTime?.[key]?.(value, kafkaTimestamp) ?? kafkaTimestamp;
    if (!Number.isFinite(timestamp))
      throw new DecodeError('invalid', `event time is not a number: ${timestamp}`);
    const record = {
      topic: key,
      partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString('utf8'),
      value,
      timestamp,
      kafkaTimestamp,
      headers: recordHeaders(message.headers),
    };
    return { ok: true, record: record as RecordOf<In> };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, error };
    throw error;
  }
}
