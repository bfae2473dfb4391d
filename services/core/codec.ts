/**
 * Avro values in the Confluent wire format (magic byte 0, 4-byte schema id, Avro body) through the
 * schema registry. Writer types, resolvers and subject checks are cached per schema id, so decoding
 * touches the registry once per new id, never per record.
 */
import avsc from 'avsc';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { avroSchemas } from '../../schemas/index.ts';
import type { TopicKey } from '../../topology/topics.ts';
import { DecodeError, ProgrammerError, UnavailableError, ValidationError } from './errors.ts';
import { RegistryHttp, RegistryRefusedError, type RegistryHttpOptions } from './registry-http.ts';
import type { TopicBinding, TopicBindings } from './topic-bindings.ts';
import type { ValueOf } from './wire-types.ts';

/** A semantic check of a decoded value: a description of what is wrong, or undefined when valid. */
export type Validator<V> = (value: V) => string | undefined;

type Reader =
  | { readonly ok: true; read(body: Buffer): unknown }
  | { readonly ok: false; readonly reason: 'unknown-schema-id' | 'wrong-schema'; readonly why: string };

/** Failed lookups kept per topic; beyond this, garbage ids are looked up again rather than cached. */
const MAX_NEGATIVE = 1024;

const MAGIC = 0;
const HEADER = 5;

/**
 * Registers each binding's value schema under `<topic>-value` with BACKWARD compatibility set on the
 * subject first (PUT /config), and returns the schema id per topic key.
 */
export async function registerSchemas(
  registry: SchemaRegistry,
  http: RegistryHttp,
  bindings: readonly TopicBinding[],
): Promise<Map<TopicKey, number>> {
  const ids = new Map<TopicKey, number>();
  for (const b of bindings) {
    await http.setCompatibility(b.subject, 'BACKWARD');
    try {
      const schema = JSON.stringify(avroSchemas[b.schema]);
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema },
        { subject: b.subject, compatibility: COMPATIBILITY.BACKWARD },
      );
      ids.set(b.key, id);
    } catch (cause) {
      const status = (cause as { status?: number }).status;
      if (status === undefined || status >= 500) {
        throw new UnavailableError(`registering ${b.subject} failed`, { cause });
      }
      throw new RegistryRefusedError(status, `registry refused ${b.subject}: ${(cause as Error).message}`);
    }
  }
  return ids;
}

export interface CodecOptions extends RegistryHttpOptions {
  readonly bindings: TopicBindings;
}

export class Codec {
  readonly bindings: TopicBindings;
  readonly http: RegistryHttp;
  readonly registry: SchemaRegistry;
  /** Registry round trips made while decoding (for tests and the decode benchmark). */
  registryLookups = 0;
  readonly #writers = new Map<TopicKey, { id: number; type: avsc.Type }>();
  readonly #readerTypes = new Map<TopicKey, avsc.Type>();
  readonly #readers = new Map<TopicKey, Map<number, Reader>>();
  readonly #pending = new Map<string, Promise<Reader>>();
  readonly #byName = new Map<string, TopicBinding>();

  constructor(options: CodecOptions) {
    this.bindings = options.bindings;
    this.http = new RegistryHttp(options);
    this.registry = new SchemaRegistry({
      host: options.url,
      ...(options.auth ? { auth: options.auth } : {}),
      retry: { retries: 2 },
    });
    for (const b of Object.values(options.bindings)) this.#byName.set(b.name, b);
  }

  /** The binding of a Kafka topic name, if it is one of ours. */
  bindingOf(topicName: string): TopicBinding | undefined {
    return this.#byName.get(topicName);
  }

  /** Registers the value schemas of the topics this process writes; required before `encode`. */
  async registerSchemas(keys: readonly TopicKey[]): Promise<Map<TopicKey, number>> {
    const ids = await registerSchemas(
      this.registry,
      this.http,
      keys.map((k) => this.bindings[k]),
    );
    for (const [key, id] of ids) this.#writers.set(key, { id, type: this.#readerType(key) });
    return ids;
  }

  /** The registered schema id of a topic, if registered by this process. */
  schemaId(key: TopicKey): number | undefined {
    return this.#writers.get(key)?.id;
  }

  /** Encodes a value of the topic's schema; throws ValidationError (with field paths) if it is not one. */
  encode<K extends TopicKey>(key: K, value: ValueOf<K>): Buffer {
    const writer = this.#writers.get(key);
    if (writer === undefined)
      throw new ProgrammerError(`encode(${key}): schema not registered; call registerSchemas`);
    let body: Buffer;
    try {
      body = writer.type.toBuffer(value);
    } catch (cause) {
      const paths: string[] = [];
      writer.type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
      throw new ValidationError(`not a valid ${writer.type.name}: ${paths.join(', ')}`, paths, { cause });
    }
    const out = Buffer.allocUnsafe(HEADER + body.length);
    out.writeUInt8(MAGIC, 0);
    out.writeInt32BE(writer.id, 1);
    body.copy(out, HEADER);
    return out;
  }

  /**
   * Decodes a record value of a topic. Throws DecodeError with a reason (`empty`, `bad-magic-byte`,
   * `truncated`, `corrupt`, `unknown-schema-id`, `wrong-schema`, `invalid`), or UnavailableError when
   * the registry cannot be reached (retriable: the record is not at fault). Records come back as
   * instances of avsc's generated record classes (fields only, no methods); spread for a plain object.
   */
  async decode<K extends TopicKey>(
    key: K,
    bytes: Buffer | null,
    validate?: Validator<ValueOf<K>>,
  ): Promise<ValueOf<K>> {
    if (bytes === null || bytes.length === 0) throw new DecodeError('empty', 'empty record value');
    if (bytes[0] !== MAGIC) throw new DecodeError('bad-magic-byte', `magic byte ${bytes[0]}, expected 0`);
    if (bytes.length < HEADER)
      throw new DecodeError('truncated', `${bytes.length} bytes, shorter than the header`);
    const id = bytes.readInt32BE(1);
    const reader = this.#readers.get(key)?.get(id) ?? (await this.#resolve(key, id));
    if (!reader.ok) throw new DecodeError(reader.reason, reader.why);
    let value: ValueOf<K>;
    try {
      value = reader.read(bytes.subarray(HEADER)) as ValueOf<K>;
    } catch (cause) {
      const truncated = (cause as Error).message === 'truncated buffer';
      throw new DecodeError(
        truncated ? 'truncated' : 'corrupt',
        `schema id ${id}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    const problem = validate?.(value);
    if (problem !== undefined) throw new DecodeError('invalid', problem);
    return value;
  }

  #readerType(key: TopicKey): avsc.Type {
    let type = this.#readerTypes.get(key);
    if (type === undefined) {
      type = avsc.Type.forSchema(avroSchemas[this.bindings[key].schema] as avsc.Schema, {
        omitRecordMethods: true,
      });
      this.#readerTypes.set(key, type);
    }
    return type;
  }

  async #resolve(key: TopicKey, id: number): Promise<Reader> {
    const cacheKey = `${key}/${id}`;
    let pending = this.#pending.get(cacheKey);
    if (pending === undefined) {
      pending = this.#lookup(key, id).finally(() => this.#pending.delete(cacheKey));
      this.#pending.set(cacheKey, pending);
    }
    const reader = await pending;
    let perTopic = this.#readers.get(key);
    if (perTopic === undefined) this.#readers.set(key, (perTopic = new Map()));
    if (reader.ok || perTopic.size < MAX_NEGATIVE) perTopic.set(id, reader);
    return reader;
  }

  async #lookup(key: TopicKey, id: number): Promise<Reader> {
    const reader = this.#readerType(key);
    if (this.#writers.get(key)?.id === id) return { ok: true, read: (b) => reader.fromBuffer(b) };
    this.registryLookups++;
    const text = await this.http.schemaById(id);
    if (text === undefined) return { ok: false, reason: 'unknown-schema-id', why: `unknown schema id ${id}` };
    const subject = this.bindings[key].subject;
    const subjects = await this.http.subjectsOfId(id);
    if (!subjects.includes(subject)) {
      const under = subjects.join(', ') || 'no subject';
      return {
        ok: false,
        reason: 'wrong-schema',
        why: `schema id ${id} is registered under ${under}, not ${subject}`,
      };
    }
    const writer = avsc.Type.forSchema(JSON.parse(text) as avsc.Schema);
    if (writer.equals(reader)) return { ok: true, read: (b) => reader.fromBuffer(b) };
    try {
      const resolver = reader.createResolver(writer);
      return { ok: true, read: (b) => reader.fromBuffer(b, resolver) };
    } catch (cause) {
      return {
        ok: false,
        reason: 'wrong-schema',
        why: `schema id ${id} cannot be read as ${reader.name}: ${(cause as Error).message}`,
      };
    }
  }
}
