import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyValueStoreContract } from '../contract/key-value-store.contract.ts';
import { MemoryStore } from '../../services/core/stores/memory-store.ts';
import { RocksDbStore } from '../../services/core/stores/rocksdb-store.ts';
import { CachingStore } from '../../services/core/stores/caching-store.ts';
import { ChangeloggingStore } from '../../services/core/stores/changelogging-store.ts';
import { MemoryChangelog } from '../../services/core/stores/changelog.ts';
import { TypedStore } from '../../services/core/stores/typed-store.ts';
import { MeteredStore } from '../../services/core/stores/metered-store.ts';
import { Metrics } from '../../services/core/metrics.ts';
import { jsonSerde, stringSerde } from '../../services/core/stores/serde.ts';
import { prefixRange } from '../../services/core/stores/bytes.ts';
import type { KeyValueStore } from '../../services/core/stores/key-value-store.ts';

const root = mkdtempSync(join(tmpdir(), 'backtrack-stores-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const dir = (): string => join(root, `db-${seq++}`);
const s = (text: string): Buffer => Buffer.from(text);

async function reopenRocks(store: KeyValueStore): Promise<KeyValueStore> {
  const rocks = (store instanceof CachingStore ? store.inner : store) as RocksDbStore;
  await store.close();
  const again = await RocksDbStore.open(rocks.name, rocks.path);
  return store instanceof CachingStore ? new CachingStore(again, store.maxEntries) : again;
}

keyValueStoreContract({ name: 'MemoryStore', open: async () => new MemoryStore('m') });
keyValueStoreContract({
  name: 'RocksDbStore',
  open: () => RocksDbStore.open('r', dir()),
  reopen: reopenRocks,
});
keyValueStoreContract({
  name: 'CachingStore(RocksDbStore), 4 entries',
  open: async () => new CachingStore(await RocksDbStore.open('c', dir()), 4),
  reopen: reopenRocks,
});
keyValueStoreContract({
  name: 'MeteredStore(MemoryStore)',
  open: async () =>
    new MeteredStore(new MemoryStore('metered'), new Metrics({ service: 't', defaultMetrics: false })),
});
keyValueStoreContract({
  name: 'CachingStore(ChangeloggingStore(MemoryStore))',
  open: async () => {
    const log = new MemoryChangelog();
    const opts = { topic: 't', partition: 0, writer: log, reader: log };
    return new CachingStore(new ChangeloggingStore(new MemoryStore('cl'), opts), 8);
  },
});

describe('CachingStore', () => {
  test('keeps writes in memory until flush, then writes them as one batch', async () => {
    const inner = new MemoryStore('inner');
    const cache = new CachingStore(inner, 100);
    await cache.put(s('a'), s('1'));
    await cache.delete(s('b'));
    assert.equal(inner.size, 0);
    await inner.put(s('b'), s('old'));
    await cache.flush();
    assert.deepEqual(await inner.get(s('a')), s('1'));
    assert.equal(await inner.get(s('b')), undefined);
  });

  test('evicting a dirty entry writes it through; a clean one is just dropped', async () => {
    const inner = new MemoryStore('inner');
    const cache = new CachingStore(inner, 2);
    await cache.put(s('a'), s('1'));
    await cache.put(s('b'), s('2'));
    await cache.put(s('c'), s('3'));
    assert.deepEqual(await inner.get(s('a')), s('1'));
    assert.equal(await inner.get(s('b')), undefined);
    assert.equal(cache.size, 2);
    assert.equal(cache.stats.evictedDirty, 1);
  });

  test('serves repeated reads from memory, absent keys included', async () => {
    const cache = new CachingStore(new MemoryStore('inner'), 10);
    await cache.get(s('x'));
    await cache.get(s('x'));
    await cache.put(s('y'), s('1'));
    await cache.get(s('y'));
    assert.deepEqual(cache.stats, { hits: 2, misses: 1, evictedDirty: 0 });
  });
});

describe('ChangeloggingStore', () => {
  const make = (log: MemoryChangelog, inner: KeyValueStore = new MemoryStore('s')) =>
    new ChangeloggingStore(inner, { topic: 'cl', partition: 3, writer: log, reader: log });

  test('flush sends the latest write per key, deletes as tombstones, to its partition', async () => {
    const log = new MemoryChangelog();
    const store = make(log);
    await store.put(s('a'), s('1'));
    await store.put(s('a'), s('2'));
    await store.put(s('b'), s('x'));
    await store.delete(s('b'));
    assert.equal(log.records('cl', 3).length, 0);
    await store.flush();
    const sent = log.records('cl', 3).map((r) => [r.key.toString(), r.value?.toString() ?? null]);
    assert.deepEqual(sent, [
      ['a', '2'],
      ['b', null],
    ]);
  });

  test('a fresh local store restored from the changelog has the same contents', async () => {
    const log = new MemoryChangelog();
    const store = make(log);
    for (let i = 0; i < 250; i++) await store.put(s(`k${i}`), s(`v${i}`));
    await store.delete(s('k7'));
    await store.flush();
    await store.checkpoint();
    const copy = make(log);
    const result = await copy.restore();
    assert.equal(result.full, true);
    assert.equal(result.offset, 249n);
    const all = async (x: KeyValueStore) => {
      const out: string[] = [];
      for await (const { key, value } of x.range()) out.push(`${key}=${value}`);
      return out;
    };
    assert.deepEqual(await all(copy), await all(store));
    assert.equal((await all(copy)).length, 249);
  });

  test('a clean store resumes after its checkpoint; a dirty one is wiped and rebuilt', async () => {
    const log = new MemoryChangelog();
    const local = new MemoryStore('local');
    const store = make(log, local);
    await store.put(s('a'), s('1'));
    await store.flush();
    await store.checkpoint();
    await make(log)
      .put(s('b'), s('2'))
      .then(async () => undefined);
    await log.send('cl', 3, [{ key: s('b'), value: s('2') }]);

    const resumed = await make(log, local).restore();
    assert.deepEqual({ full: resumed.full, records: resumed.records }, { full: false, records: 1 });

    const crashed = make(log, local);
    await crashed.put(s('uncommitted'), s('x'));
    const rebuilt = await make(log, local).restore();
    assert.equal(rebuilt.full, true);
    assert.equal(await local.get(s('uncommitted')), undefined);
    assert.deepEqual(await local.get(s('b')), s('2'));
  });

  test('keys in the reserved ff ff ff ff range are refused and never listed', async () => {
    const store = make(new MemoryChangelog());
    await assert.rejects(() => store.put(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]), s('x')));
    await store.put(s('a'), s('1'));
    const keys: string[] = [];
    for await (const { key } of store.range()) keys.push(key.toString());
    assert.deepEqual(keys, ['a']);
  });
});

describe('TypedStore', () => {
  test('serializes only at the outermost layer and ranges by key prefix', async () => {
    const inner = new MemoryStore('t');
    const typed = new TypedStore(inner, stringSerde, jsonSerde<{ n: number }>());
    await typed.put('tenant-a/1', { n: 1 });
    await typed.put('tenant-a/2', { n: 2 });
    await typed.put('tenant-b/1', { n: 3 });
    assert.deepEqual(await typed.get('tenant-a/2'), { n: 2 });
    assert.deepEqual(await inner.get(s('tenant-a/2')), s('{"n":2}'));
    const range = prefixRange(s('tenant-a/'));
    const got: [string, { n: number }][] = [];
    for await (const e of typed.range({ gte: range.gte?.toString(), lt: range.lt?.toString() })) got.push(e);
    assert.deepEqual(got, [
      ['tenant-a/1', { n: 1 }],
      ['tenant-a/2', { n: 2 }],
    ]);
  });
});
