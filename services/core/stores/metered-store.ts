import type { Histogram } from 'prom-client';
import type { Metrics } from '../metrics.ts';
import type { KeyRange, KeyValue, KeyValueStore, KeyValueWrite } from './key-value-store.ts';

type Op = 'get' | 'put' | 'delete' | 'write' | 'range' | 'flush';

/** Times every operation into `backtrack_store_operation_seconds{store, op}`. Label `store` is the store name. */
export class MeteredStore implements KeyValueStore {
  readonly #seconds: Histogram<'store' | 'op'>;

  constructor(
    readonly inner: KeyValueStore,
    metrics: Metrics,
  ) {
    this.#seconds = metrics.histogram(
      'backtrack_store_operation_seconds',
      'State store operation latency',
      ['store', 'op'],
      [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    );
  }

  get name(): string {
    return this.inner.name;
  }

  get(key: Buffer): Promise<Buffer | undefined> {
    return this.#time('get', () => this.inner.get(key));
  }

  put(key: Buffer, value: Buffer): Promise<void> {
    return this.#time('put', () => this.inner.put(key, value));
  }

  delete(key: Buffer): Promise<void> {
    return this.#time('delete', () => this.inner.delete(key));
  }

  write(batch: readonly KeyValueWrite[]): Promise<void> {
    return this.#time('write', () => this.inner.write(batch));
  }

  async *range(range?: KeyRange): AsyncIterable<KeyValue> {
    const end = this.#seconds.startTimer({ store: this.name, op: 'range' });
    try {
      yield* this.inner.range(range);
    } finally {
      end();
    }
  }

  clear(): Promise<void> {
    return this.inner.clear();
  }

  flush(): Promise<void> {
    return this.#time('flush', () => this.inner.flush());
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async #time<T>(op: Op, fn: () => Promise<T>): Promise<T> {
    const end = this.#seconds.startTimer({ store: this.name, op });
    try {
      return await fn();
    } finally {
      end();
    }
  }
}
