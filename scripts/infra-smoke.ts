// Smoke test of the local infrastructure with the project's real clients: kafkajs against the broker
// (topic, idempotent producer, consumer group with eachBatch, transactional producer with sendOffsets
// and a read_committed consumer) and @kafkajs/confluent-schema-registry against the registry
// (register an Avro schema under a subject, encode, decode; BACKWARD compatibility refuses a breaking
// change). Usage: npx tsx scripts/infra-smoke.ts  (after `npm run infra:up`).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, CompressionTypes, type EachBatchPayload } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const run = randomUUID().slice(0, 8);
const kafka = new Kafka({ clientId: `smoke-${run}`, brokers, logLevel: logLevel.WARN });

function step(name: string): () => void {
  const t0 = performance.now();
  process.stdout.write(`- ${name} ... `);
  return () => console.log(`ok (${Math.round(performance.now() - t0)} ms)`);
}

async function consumeN(
  groupId: string,
  topic: string,
  n: number,
  isolation: { readUncommitted: boolean },
): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, ...isolation, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout: got ${got.length}/${n} from ${topic}`)), 30000);
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat }: EachBatchPayload) => {
        for (const m of batch.messages) got.push(m.value?.toString() ?? '');
        await heartbeat();
        if (got.length >= n) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return got;
}

async function kafkaChecks(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const topicA = `smoke.a.${run}`;
  const topicB = `smoke.b.${run}`;
  let done = step('createTopics (3 partitions) + fetchTopicMetadata + describeConfigs');
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topicA, numPartitions: 3, replicationFactor: 1 },
      {
        topic: topicB,
        numPartitions: 3,
        replicationFactor: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
  });
  await admin.fetchTopicMetadata({ topics: [topicA] });
  await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topicB }] });
  done();

  done = step('idempotent producer send (gzip) + fetchTopicOffsets');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic: topicA,
    acks: -1,
    compression: CompressionTypes.GZIP,
    messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}` })),
  });
  await producer.disconnect();
  const offs = await admin.fetchTopicOffsets(topicA);
  const total = offs.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  if (total !== 10) throw new Error(`expected 10 records, offsets say ${total}`);
  done();

  done = step('consumer group eachBatch (10 records) + fetchOffsets');
  const got = await consumeN(`smoke-g1-${run}`, topicA, 10, { readUncommitted: false });
  if (got.length !== 10) throw new Error(`consumed ${got.length}`);
  const committed = await admin.fetchOffsets({ groupId: `smoke-g1-${run}`, topics: [topicA] });
  done();
  void committed;

  // A transaction begun right after a commit gets CONCURRENT_TRANSACTIONS from AddPartitionsToTxn while
  // the broker writes the previous commit's markers; kafkajs logs it and retries. With kafkajs' default
  // retry (initialRetryTime 300 ms) that costs ~250 ms per back-to-back transaction; 20 ms brings it to ~33.
  done = step('transactional producer: consume A, produce B, sendOffsets, commit; and an abort');
  const txProducer = kafka.producer({
    transactionalId: `smoke-tx-${run}`,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { initialRetryTime: 20 },
  });
  await txProducer.connect();
  const tx = await txProducer.transaction();
  await tx.send({
    topic: topicB,
    messages: [
      { key: 'a', value: 'committed-1' },
      { key: 'b', value: 'committed-2' },
    ],
  });
  await tx.sendOffsets({
    consumerGroupId: `smoke-g2-${run}`,
    topics: [{ topic: topicA, partitions: [{ partition: 0, offset: '1' }] }],
  });
  await tx.commit();
  const tx2 = await txProducer.transaction();
  await tx2.send({ topic: topicB, messages: [{ key: 'c', value: 'aborted-1' }] });
  await tx2.abort();
  const tx3 = await txProducer.transaction();
  await tx3.send({ topic: topicB, messages: [{ key: 'd', value: 'committed-3' }] });
  await tx3.commit();
  await txProducer.disconnect();
  const g2 = await admin.fetchOffsets({ groupId: `smoke-g2-${run}`, topics: [topicA] });
  const p0 = g2[0]?.partitions.find((p) => p.partition === 0);
  if (p0?.offset !== '1') throw new Error(`sendOffsets not committed: ${JSON.stringify(g2)}`);
  const rc = await consumeN(`smoke-g3-${run}`, topicB, 3, { readUncommitted: false });
  if (rc.includes('aborted-1') || rc.length !== 3)
    throw new Error(`read_committed saw ${JSON.stringify(rc)}`);
  done();

  done = step('deleteTopics + deleteGroups');
  await admin.deleteGroups([`smoke-g1-${run}`, `smoke-g2-${run}`, `smoke-g3-${run}`]);
  await admin.deleteTopics({ topics: [topicA, topicB] });
  await admin.disconnect();
  done();
}

async function registryChecks(): Promise<void> {
  const registry = new SchemaRegistry({ host: registryUrl });
  const subject = `smoke.${run}-value`;
  const v1 = {
    type: 'record',
    name: 'Smoke',
    namespace: 'backtrack.smoke',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'n', type: 'int' },
    ],
  };
  let done = step('register Avro schema, encode, decode');
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
  const buf = await registry.encode(id, { id: 'x', n: 42 });
  if (buf[0] !== 0 || buf.readInt32BE(1) !== id) throw new Error('not the Confluent wire format');
  const back = (await registry.decode(buf)) as { id: string; n: number };
  if (back.id !== 'x' || back.n !== 42) throw new Error(`decoded ${JSON.stringify(back)}`);
  const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
  if (again.id !== id) throw new Error(`re-register gave id ${again.id}, not ${id}`);
  const latest = await registry.getLatestSchemaId(subject);
  if (latest !== id) throw new Error(`latest id ${latest} != ${id}`);
  done();
  console.log(`  schema id ${id}`);

  done = step('BACKWARD: compatible v2 accepted, breaking v3 refused');
  const v2 = { ...v1, fields: [...v1.fields, { name: 'tag', type: ['null', 'string'], default: null }] };
  const r2 = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, { subject });
  const v3 = { ...v1, fields: [...v1.fields, { name: 'required', type: 'string' }] };
  let refused = false;
  try {
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v3) }, { subject });
  } catch (e) {
    refused = true;
    const err = e as Error & { status?: number };
    console.log(`\n  refused: ${err.name} status=${err.status ?? '?'} ${err.message}`);
  }
  if (!refused) throw new Error('an incompatible schema was accepted');
  // old data still decodes
  const old = (await registry.decode(buf)) as { id: string };
  if (old.id !== 'x') throw new Error('old record no longer decodes');
  done();
  console.log(`  v2 id ${r2.id}`);

  done = step('delete the subject (soft, then permanent)');
  for (const q of ['', '?permanent=true']) {
    const res = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}${q}`, {
      method: 'DELETE',
    });
    if (!res.ok) throw new Error(`DELETE subject${q}: HTTP ${res.status} ${await res.text()}`);
  }
  done();
}

const only = process.argv[2];
if (only !== 'registry') await kafkaChecks();
if (only !== 'kafka') await registryChecks();
console.log('infra smoke: all ok');
