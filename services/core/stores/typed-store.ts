import type { KeyValueStore } from './key-value-store.ts';
import type { Serde } from './serde.ts';

/**
 * The outermost store layer, the only one that knows types: keys and values go through their serdes
 * here and nowhere below.
 */
export class TypedStore<K, V> {
  constructor(
    readonly store: KeyValueStore,
    readonly keys: Serde<K>,
    readonly values: Serde<V>,
  ) {}

  get name(): string {
    return this.store.name;
  }

  async get(key: K): Promise<V | undefined> {
    const bytes = await this.store.get(this.keys.serialize(key));
    return bytes === undefined ? undefined : this.values.deserialize(bytes);
  }

  put(key: K, value: V): Promise<void> {
    return this.store.put(this.keys.serialize(key), this.values.serialize(value));
  }

  delete(key: K): Promise<void> {
    return this.store.delete(this.keys.serialize(key));
  }

  /** Entries with `gte <= key < lt` in key byte order. */
  async *range(bounds: { gte?: K; lt?: K } = {}): AsyncIterable<[K, V]> {
    const range = {
      ...(bounds.gte === undefined ? {} : { gte: this.keys.serialize(bounds.gte) }),
      ...(bounds.lt === undefined ? {} : { lt: this.keys.serialize(bounds.lt) }),
    };
    for await (const { key, value } of this.store.range(range)) {
      yield [this.keys.deserialize(key), this.values.deserialize(value)];
    }
  }
}
