import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as k from '../../services/core/kafka.ts';
import { KafkaChangelogReader, SenderChangelogWriter } from '../../services/core/kafka-changelog.ts';
import { CachingStore } from '../../services/core/stores/caching-store.ts';
import { ChangeloggingStore } from '../../services/core/stores/changelogging-store.ts';
import type { KeyValueStore } from '../../services/core/stores/key-value-store.ts';
import { RocksDbStore } from '../../services/core/stores/rocksdb-store.ts';
import { cleanup, createTopics, testRuntime, uniqueName } from './helpers.ts';

const topic = uniqueName('changelog');
const rt = testRuntime('changelog');
after(() => cleanup(rt.kafka, [topic]));

async function contents(store: KeyValueStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const { key, value } of store.range()) out.set(key.toString(), value.toString());
  return out;
}

async function open(dir: string, writer: SenderChangelogWriter, reader: KafkaChangelogReader, partition = 1) {
  const rocks = await RocksDbStore.open('s', join(rt.stateDir, dir));
  return new ChangeloggingStore(rocks, { topic, partition, writer, reader });
}

test('a store written and flushed to its changelog is rebuilt identically in a fresh local store', async (t) => {
  await createTopics(rt.kafka, [{ topic, partitions: 2, compact: true }]);
  const admin = k.createAdmin(rt.kafka);
  await admin.connect();
  const producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  const reader = new KafkaChangelogReader(rt.kafka, admin, rt.logger, { groupPrefix: `test-${topic}` });
  const writer = new SenderChangelogWriter();
  writer.sender = producer;
  try {
    const logged = await open('original', writer, reader);
    await logged.restore();
    const store = new CachingStore(logged, 100);
    for (let i = 0; i < 1_000; i++) await store.put(Buffer.from(`tenant-${i}`), Buffer.from(`state-${i}`));
    for (let i = 0; i < 1_000; i += 10) await store.delete(Buffer.from(`tenant-${i}`));
    await store.put(Buffer.from('tenant-1'), Buffer.from('state-1-v2'));
    await store.flush();
    await logged.checkpoint();
    const expected = await contents(store);
    assert.equal(expected.size, 900);

    const t0 = performance.now();
    const fresh = await open('fresh', writer, reader);
    const result = await fresh.restore();
    t.diagnostic(`restored ${result.records} changelog records in ${Math.round(performance.now() - t0)} ms`);
    assert.equal(result.full, true);
    assert.deepEqual(await contents(fresh), expected);
    assert.equal((await contents(fresh)).get('tenant-1'), 'state-1-v2');

    await store.put(Buffer.from('late'), Buffer.from('x'));
    await store.flush();
    await logged.checkpoint();
    await fresh.close();
    const resumed = await open('fresh', writer, reader);
    const again = await resumed.restore();
    assert.deepEqual(
      { full: again.full, records: again.records },
      { full: false, records: 1 },
      'resumes after its checkpoint',
    );
    assert.deepEqual(await contents(resumed), await contents(store));
    await resumed.close();
    await store.close();
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});

test('a changelog write in an aborted transaction is not restored; a committed one is', async () => {
  const admin = k.createAdmin(rt.kafka);
  await admin.connect();
  const producer = k.createTransactionalProducer(rt.kafka, `test-${topic}-tx`);
  await producer.connect();
  const reader = new KafkaChangelogReader(rt.kafka, admin, rt.logger, { groupPrefix: `test-${topic}` });
  const writer = new SenderChangelogWriter();
  try {
    const store = await open('tx', writer, reader, 0);
    await store.restore();
    const inTransaction = async (commit: boolean, key: string) => {
      const tx = await producer.transaction();
      writer.sender = tx;
      await store.put(Buffer.from(key), Buffer.from('v'));
      await store.flush();
      if (commit) await tx.commit();
      else await tx.abort();
    };
    await inTransaction(true, 'committed');
    await inTransaction(false, 'aborted');
    await inTransaction(true, 'committed-2');
    await store.close();
    const fresh = await open('tx-fresh', writer, reader, 0);
    await fresh.restore();
    assert.deepEqual([...(await contents(fresh)).keys()], ['committed', 'committed-2']);
    await fresh.close();
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});
