import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../services/core/logger.ts';
import { Metrics } from '../../services/core/metrics.ts';
import { runtimeMetrics } from '../../services/core/runtime-metrics.ts';
import { NOT_CACHED, ObjectCache } from '../../services/core/stores/object-cache.ts';
import { PartitionTask } from '../../services/core/task.ts';
import { MemoryStore } from '../../services/core/stores/memory-store.ts';
import type { KeyValueWrite } from '../../services/core/stores/key-value-store.ts';
import { jsonSerde, stringSerde } from '../../services/core/stores/serde.ts';

interface Counter {
  n: number;
}

/** A MemoryStore that counts the batches written to it and the values read. */
class CountingStore extends MemoryStore {
  batches: number[] = [];
  reads = 0;
  override async write(batch: readonly KeyValueWrite[]): Promise<void> {
    this.batches.push(batch.length);
    await super.write(batch);
  }
  override async get(key: Buffer): Promise<Buffer | undefined> {
    this.reads++;
    return super.get(key);
  }
}

test('values stay decoded between flushes; a flush writes each changed key once, in one batch', async () => {
  const store = new CountingStore('s');
  let encodes = 0;
  const serde = jsonSerde<Counter>();
  const cache = new ObjectCache<Counter>(store, stringSerde, {
    serialize: (v) => (encodes++, serde.serialize(v)),
    deserialize: serde.deserialize,
  });
  for (let i = 0; i < 1_000; i++) {
    const key = `t-${i % 10}`;
    const c = (await cache.get(key)) ?? { n: 0 };
    c.n++;
    cache.set(key, c);
  }
  assert.equal(encodes, 0);
  assert.equal(store.reads, 10, 'one store read per key, on its first miss');
  assert.equal(cache.dirtyCount, 10);
  await cache.flush();
  assert.deepEqual(store.batches, [10]);
  assert.equal(encodes, 10);
  assert.deepEqual(serde.deserialize((await store.get(Buffer.from('t-3')))!), { n: 100 });
  await cache.flush();
  assert.deepEqual(store.batches, [10], 'nothing dirty, nothing written');
});

test('a delete reaches the store at the flush; a flush trims the cache to maxEntries, oldest first', async () => {
  const store = new MemoryStore('s');
  const cache = new ObjectCache<Counter>(store, stringSerde, jsonSerde<Counter>(), 2);
  for (const key of ['a', 'b', 'c']) cache.set(key, { n: 1 });
  cache.delete('a');
  assert.equal(cache.size, 3);
  await cache.flush();
  assert.equal(store.size, 2);
  assert.equal(await store.get(Buffer.from('a')), undefined);
  assert.equal(cache.size, 2);
  assert.deepEqual(await cache.get('b'), { n: 1 }, 'an evicted value is read back from the store');
});

test('scan yields what the store holds, decoded; a failed write leaves the values dirty', async () => {
  const store = new MemoryStore('s');
  const cache = new ObjectCache<Counter>(store, stringSerde, jsonSerde<Counter>());
  cache.set('x', { n: 1 });
  cache.set('y', { n: 2 });
  await cache.flush();
  const fresh = new ObjectCache<Counter>(store, stringSerde, jsonSerde<Counter>());
  const seen: [string, Counter][] = [];
  for await (const entry of fresh.scan()) seen.push(entry);
  assert.deepEqual(seen, [
    ['x', { n: 1 }],
    ['y', { n: 2 }],
  ]);

  const failing = new MemoryStore('f');
  failing.write = async () => {
    throw new Error('disk full');
  };
  const c2 = new ObjectCache<Counter>(failing, stringSerde, jsonSerde<Counter>());
  c2.set('k', { n: 1 });
  await assert.rejects(c2.flush(), /disk full/);
  assert.equal(c2.dirtyCount, 1);
});

test('the runtime calls a processor’s flush hook before it flushes the stores, so cached values reach them', async () => {
  const order: string[] = [];
  const store = new MemoryStore('s');
  const flushStore = store.flush.bind(store);
  store.flush = async () => {
    order.push(`store flush (${store.size} entries)`);
    await flushStore();
  };
  let cache!: ObjectCache<Counter>;
  const metrics = new Metrics({ service: 't', defaultMetrics: false });
  const task = new PartitionTask<'telemetry'>({
    app: 't',
    partition: 0,
    processor: {
      init: (ctx) => void (cache = new ObjectCache(ctx.store('s'), stringSerde, jsonSerde<Counter>())),
      process: () => cache.set('k', { n: 1 }),
      flush: async () => {
        order.push('processor flush');
        await cache.flush();
      },
      close: () => undefined,
    },
    stores: new Map([['s', { spec: { name: 's' }, outer: store, logged: undefined }]]),
    codec: {} as never,
    logger: createLogger({ service: 't', level: 'silent' }),
    metrics,
    runtime: runtimeMetrics(metrics),
  });
  await task.init();
  await task.process({ topic: 'telemetry', timestamp: 1 } as never);
  await task.flushStores();
  assert.deepEqual(order, ['processor flush', 'store flush (1 entries)']);
});

test('a flush keeps the keys used since the previous flush and drops the ones not used since', async () => {
  const store = new CountingStore('s');
  const cache = new ObjectCache<Counter>(store, stringSerde, jsonSerde<Counter>(), 2);
  for (const key of ['a', 'b', 'c']) cache.set(key, { n: 1 });
  await cache.flush();
  for (let i = 0; i < 3; i++) await cache.get('b');
  cache.set('d', { n: 2 });
  await cache.flush();
  const reads = store.reads;
  assert.deepEqual(await cache.get('b'), { n: 1 });
  assert.deepEqual(await cache.get('d'), { n: 2 });
  assert.equal(store.reads, reads, 'b (used) and d (new) stayed cached');
  assert.deepEqual(await cache.get('c'), { n: 1 });
  assert.equal(store.reads, reads + 1, 'c (not used since the first flush) was dropped');
});

test('peek answers from memory only: NOT_CACHED until a get, then the value (or undefined) without reading the store', async () => {
  const store = new CountingStore('s');
  const cache = new ObjectCache<Counter>(store, stringSerde, jsonSerde<Counter>(), 1);
  cache.set('a', { n: 1 });
  await cache.flush();
  cache.discard();
  assert.equal(cache.peek('a'), NOT_CACHED);
  assert.equal(cache.peek('b'), NOT_CACHED);
  assert.equal(store.reads, 0);
  assert.deepEqual(await cache.get('a'), { n: 1 });
  assert.equal(await cache.get('b'), undefined);
  assert.equal(store.reads, 2);
  const a = cache.peek('a');
  assert.deepEqual(a, { n: 1 });
  assert.equal(cache.peek('b'), undefined);
  assert.equal(store.reads, 2);
  (a as Counter).n = 2;
  cache.set('a', a as Counter);
  await cache.flush();
  assert.equal(cache.peek('b'), undefined, 'first used after a: kept by the trim to 1 entry');
  assert.equal(cache.peek('a'), NOT_CACHED);
  assert.deepEqual(await cache.get('a'), { n: 2 });
  assert.equal(store.reads, 3);
});
