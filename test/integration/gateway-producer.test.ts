import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { EvalEvent, TelemetryEvent } from '../../schemas/types.ts';
import { ValidationError } from '../../services/core/errors.ts';
import { createAdmin, createConsumer, createKafka, type Admin } from '../../services/core/kafka.ts';
import { createLogger } from '../../services/core/logger.ts';
import { DeliveryError, WaitTimeoutError } from '../../services/gateway/errors.ts';
import { createGatewayRuntime } from '../../services/gateway/gateway-runtime.ts';
import {
  TelemetryProducer,
  type TelemetryProducerOptions,
} from '../../services/gateway/telemetry-producer.ts';
import { applyTopology } from '../../topology/apply.ts';
import { topics } from '../../topology/topics.ts';

const run = randomUUID().slice(0, 8);
const names = { telemetry: `gw-it-telemetry-${run}`, evals: `gw-it-evals-${run}` };
const rt = createGatewayRuntime({
  service: 'gateway-it',
  topics: names,
  logLevel: 'error',
  defaultMetrics: false,
});
let admin: Admin;

const T0 = Date.now() - 3_600_000;

function telemetry(i: number): TelemetryEvent {
  return {
    eventId: `${run}-e${i}`,
    timestamp: T0 + i,
    tenantId: `tenant-${i % 7}`,
    tenantTier: 'pro',
    gatewayId: 'gw-it',
    sessionId: null,
    bundleId: 'b-stable',
    arm: 'stable',
    latencyMs: 100 + (i % 50),
    timeToFirstTokenMs: null,
    inputTokens: 100,
    outputTokens: 50,
    costUsd: 0.001,
    outcome: 'ok',
    toolCallsAttempted: 0,
    toolCallsSucceeded: 0,
    outputChars: 200,
    refusal: false,
    retried: false,
    feedback: 'none',
    taskCompleted: null,
    policyViolation: false,
    piiScore: null,
    toxicity: null,
  };
}

function evalEvent(i: number): EvalEvent {
  return {
    evalId: `${run}-v${i}`,
    timestamp: T0 + i,
    tenantId: `tenant-${i % 7}`,
    requestEventId: `${run}-e${i}`,
    bundleId: 'b-stable',
    baselineBundleId: 'b-stable',
    arm: 'stable',
    judgeScore: 0.8,
    semanticSimilarity: null,
    evaluator: 'it',
  };
}

const producerWith = (o: Partial<TelemetryProducerOptions> = {}): TelemetryProducer =>
  new TelemetryProducer({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger, ...o });

/** Every record of the two topics, decoded, with its key and Kafka timestamp. */
async function readAll(expected: number, timeoutMs = 30_000) {
  const consumer = createConsumer(rt.kafka, { groupId: `gw-it-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [names.telemetry, names.evals], fromBeginning: true });
  const got: { id: string; key: string; tenantId: string; ts: string; timestamp: number }[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${got.length}/${expected}`)), timeoutMs);
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const v =
            batch.topic === names.evals
              ? await rt.codec.decode('evals', m.value)
              : await rt.codec.decode('telemetry', m.value);
          const id = 'evalId' in v ? v.evalId : v.eventId;
          got.push({
            id,
            key: m.key?.toString() ?? '',
            tenantId: v.tenantId,
            ts: m.timestamp,
            timestamp: v.timestamp,
          });
        }
        if (got.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return got;
}

before(async () => {
  admin = createAdmin(rt.kafka);
  await admin.connect();
  await applyTopology(admin, [
    { ...topics.telemetry, name: names.telemetry, partitions: 3 },
    { ...topics.evals, name: names.evals, partitions: 3 },
  ]);
});

after(async () => {
  await admin.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
  for (const n of Object.values(names))
    await rt.codec.http.deleteSubject(`${n}-value`).catch(() => undefined);
  await admin.disconnect();
});

describe('TelemetryProducer against the real broker', () => {
  test('delivers every event, decoded and keyed by tenant, through a 16-event buffer that pushes back', async () => {
    const producer = producerWith({ maxBufferedEvents: 16, maxBatchEvents: 8, lingerMs: 5 });
    await producer.start();
    let maxBuffered = 0;
    const sent: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const event = i % 10 === 0 ? evalEvent(i) : telemetry(i);
      await producer.send(event);
      sent.push('evalId' in event ? event.evalId : event.eventId);
      maxBuffered = Math.max(maxBuffered, producer.stats().buffered);
    }
    await producer.close();
    const stats = producer.stats();
    assert.ok(maxBuffered <= 16, `buffer reached ${maxBuffered}`);
    assert.ok(stats.blocked > 0, 'senders waited for room');
    assert.equal(stats.sent, 2_000);
    assert.equal(stats.failed, 0);
    assert.equal(stats.buffered, 0);

    const got = await readAll(2_000);
    assert.deepEqual(got.map((g) => g.id).sort(), [...sent].sort());
    for (const g of got) {
      assert.equal(g.key, g.tenantId);
      assert.equal(g.ts, String(g.timestamp), 'record timestamp is the event time');
    }
  });

  test('close() sends what is still lingering', async () => {
    const producer = producerWith({ lingerMs: 600_000 });
    await producer.start();
    const ids = new Set<string>();
    for (let i = 10_000; i < 10_050; i++) {
      await producer.send(telemetry(i));
      ids.add(telemetry(i).eventId);
    }
    assert.equal(producer.stats().sent, 0, 'nothing sent before the linger time');
    await producer.close();
    assert.equal(producer.stats().sent, 50);
    const got = await readAll(2_050);
    assert.equal(got.filter((g) => ids.has(g.id)).length, 50);
  });

  test('flush() resolves once the events sent before it are acknowledged', async () => {
    const producer = producerWith({ lingerMs: 600_000 });
    await producer.start();
    for (let i = 20_000; i < 20_010; i++) await producer.send(telemetry(i));
    await producer.flush();
    assert.deepEqual([producer.stats().sent, producer.stats().buffered], [10, 0]);
    await producer.close();
  });

  test('an event that does not fit the schema is refused with field paths, nothing buffered', async () => {
    const producer = producerWith();
    await producer.start();
    const bad = { ...telemetry(1), latencyMs: 'slow' } as unknown as TelemetryEvent;
    await assert.rejects(
      producer.send(bad),
      (e: unknown) => e instanceof ValidationError && e.paths.includes('latencyMs'),
    );
    assert.equal(producer.stats().buffered, 0);
    await producer.close();
  });

  test('a sender blocked on a full buffer gets the batch sent at once instead of after the linger time', async () => {
    const producer = producerWith({
      maxBufferedEvents: 1,
      maxBlockMs: 50,
      lingerMs: 600_000,
      maxBatchEvents: 10,
    });
    await producer.start();
    const first = producer.send(telemetry(30_000));
    await first;
    const blocked = producer.send(telemetry(30_001));
    // The blocked sender makes the producer send the first event at once, so room frees and it passes.
    await blocked;
    assert.equal(producer.stats().blocked, 1);
    await producer.close();
  });

  test('send() gives up with WaitTimeoutError when the broker never frees room within maxBlockMs', async () => {
    const silent = createLogger({ service: 'gateway-it', level: 'silent' });
    const nowhere = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'gw-it-nowhere' }, silent, {
      retries: 1,
      connectionTimeout: 100,
    });
    const stuck = new TelemetryProducer({
      kafka: nowhere,
      codec: rt.codec,
      logger: silent,
      maxBufferedEvents: 1,
      maxBlockMs: 100,
      deliveryTimeoutMs: 1_000,
    });
    await stuck.send(telemetry(30_002));
    await assert.rejects(stuck.send(telemetry(30_003)), WaitTimeoutError);
    await assert.rejects(stuck.close(3_000), DeliveryError);
    assert.equal(stuck.stats().failed, 1);
  });

  test('close() that times out stops retrying and counts every unacknowledged event as failed', async () => {
    const silent = createLogger({ service: 'gateway-it', level: 'silent' });
    const nowhere = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'gw-it-nowhere' }, silent, {
      retries: 1,
      connectionTimeout: 100,
    });
    const stuck = new TelemetryProducer({
      kafka: nowhere,
      codec: rt.codec,
      logger: silent,
      deliveryTimeoutMs: 600_000,
    });
    for (let i = 40_000; i < 40_003; i++) await stuck.send(telemetry(i));
    await assert.rejects(stuck.close(300), WaitTimeoutError);
    const deadline = Date.now() + 10_000;
    while (stuck.stats().failed < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([stuck.stats().failed, stuck.stats().sent, stuck.stats().buffered], [3, 0, 0]);
  });

  test('throughput: 50 000 encoded events to the local broker', async (t) => {
    const producer = producerWith();
    await producer.start();
    const n = 50_000;
    const started = performance.now();
    for (let i = 100_000; i < 100_000 + n; i++) await producer.send(telemetry(i));
    await producer.flush();
    const seconds = (performance.now() - started) / 1000;
    const { sent, batches } = producer.stats();
    t.diagnostic(
      `${Math.round(n / seconds)} events/s, ${batches} batches, ${Math.round(n / batches)} events/batch`,
    );
    assert.equal(sent, n);
    await producer.close();
  });
});
