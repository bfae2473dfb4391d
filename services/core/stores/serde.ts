/** Serializers for the outermost store layer (`TypedStore`). Keys must serialize order-preservingly if ranges matter. */
import avsc from 'avsc';

export interface Serde<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): T;
}

/** UTF-8; byte order equals code point order. */
export const stringSerde: Serde<string> = {
  serialize: (s) => Buffer.from(s, 'utf8'),
  deserialize: (b) => b.toString('utf8'),
};

export function jsonSerde<T>(): Serde<T> {
  return {
    serialize: (v) => Buffer.from(JSON.stringify(v), 'utf8'),
    deserialize: (b) => JSON.parse(b.toString('utf8')) as T,
  };
}

/** Avro binary without a registry header: for state whose shape is a local schema. */
export function avroSerde<T>(schema: avsc.Schema): Serde<T> {
  const type = avsc.Type.forSchema(schema);
  return { serialize: (v) => type.toBuffer(v), deserialize: (b) => type.fromBuffer(b) as T };
}

export const bufferSerde: Serde<Buffer> = { serialize: (b) => b, deserialize: (b) => b };
