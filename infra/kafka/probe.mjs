// Readiness probe for infra/kafka/start.sh. Usage: node probe.mjs 127.0.0.1:9092 [--warm]
// Exits 0 when the broker answers a real metadata request (listTopics), 1 otherwise.
// With --warm it also has the broker create and load its internal topics now: a group coordinator
// lookup on every __consumer_offsets partition and a transactional producer id on every
// __transaction_state partition. Without it, the first tests on a fresh cluster wait for them and
// kafkajs logs "coordinator is loading" / "coordinator not available" errors while it retries.
import { setTimeout, clearTimeout } from 'node:timers';
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.argv[2] ?? '127.0.0.1:9092').split(',');
const warm = process.argv.includes('--warm');
const kafka = new Kafka({
  clientId: 'backtrack-infra-probe',
  brokers,
  connectionTimeout: 1000,
  requestTimeout: 5000,
  retry: warm ? { retries: 50, initialRetryTime: 100, maxRetryTime: 500 } : { retries: 0 },
  logLevel: logLevel.NOTHING,
});

// The coordinator partition of a group or transactional id: abs(javaStringHashCode(id)) % partitions.
function partitionOf(id, partitions) {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(31, h) + id.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % partitions;
}

// One id per partition, deterministic: warmup-<n> for the first n that lands on each partition.
function idsCovering(prefix, partitions) {
  const ids = new Map();
  for (let n = 0; ids.size < partitions; n++) {
    const id = `${prefix}-${n}`;
    const p = partitionOf(id, partitions);
    if (!ids.has(p)) ids.set(p, id);
  }
  return [...ids.values()];
}

async function partitionCount(admin, topic) {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]?.partitions.length ?? 1;
}

async function initTransactionalId(transactionalId) {
  const producer = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  const tx = await producer.transaction(); // InitProducerId on the transaction coordinator
  await tx.abort(); // nothing was sent: no request
  await producer.disconnect();
}

const timer = setTimeout(() => process.exit(1), warm ? 90000 : 4000);
try {
  const admin = kafka.admin();
  await admin.connect();
  await admin.listTopics();
  if (warm) {
    await admin.describeGroups(['backtrack-infra-warmup']); // creates __consumer_offsets
    const groups = idsCovering('backtrack-infra-warmup', await partitionCount(admin, '__consumer_offsets'));
    await admin.describeGroups(groups);
    for (const g of groups) await admin.describeGroups([g]); // one coordinator lookup each
    await initTransactionalId('backtrack-infra-warmup'); // creates __transaction_state
    const txIds = idsCovering('backtrack-infra-warmup', await partitionCount(admin, '__transaction_state'));
    await Promise.all(txIds.map(initTransactionalId));
  }
  await admin.disconnect();
  clearTimeout(timer);
  process.exit(0);
} catch (e) {
  if (warm) console.error(e);
  process.exit(1);
}
