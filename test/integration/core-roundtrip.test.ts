import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterTopic } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import type { InputRecord, Processor } from '../../services/core/processor.ts';
import { StreamRunner } from '../../services/core/runner.ts';
import { cleanup, createTopics, telemetryEvent, testRuntime, uniqueName, waitFor } from './helpers.ts';

const topic = uniqueName('telemetry');
const rt = testRuntime('roundtrip', { telemetry: topic });
const groupId = `test-roundtrip-${topic}`;
after(() => cleanup(rt.kafka, [topic, deadLetterTopic(topic)], [groupId]));

test('an Avro TelemetryEvent goes producer → broker → runner → processor unchanged, through the registry', async () => {
  await createTopics(rt.kafka, [{ topic, partitions: 2 }, { topic: deadLetterTopic(topic) }]);
  await rt.codec.registerSchemas(['telemetry']);
  const events = Array.from({ length: 20 }, (_, i) => telemetryEvent(i));
  const producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await producer.send({
    topic,
    messages: events.map((e) => ({
      key: e.tenantId,
      value: rt.codec.encode('telemetry', e),
      timestamp: String(e.timestamp),
    })),
  });
  await producer.disconnect();

  const received: InputRecord<'telemetry'>[] = [];
  const punctuations: number[] = [];
  let wallClock = 0;
  const processor = (): Processor<'telemetry'> => ({
    init: (ctx) => {
      ctx.schedule(5_000, 'stream-time', (t) => void punctuations.push(t));
      ctx.schedule(100, 'wall-clock', () => void wallClock++);
    },
    process: (record) => void received.push(record),
    close: () => undefined,
  });
  const runner = new StreamRunner(
    {
      app: `roundtrip-${topic}`,
      groupId,
      inputs: ['telemetry'],
      processor,
      eventTime: { telemetry: (v) => v.timestamp },
    },
    rt,
  );
  await runner.start();
  try {
    await waitFor(() => received.length >= events.length && wallClock >= 2, 'all events processed');
  } finally {
    await runner.stop();
  }
  const byId = new Map(received.map((r) => [r.value.eventId, r]));
  for (const e of events) {
    const r = byId.get(e.eventId);
    assert.deepEqual({ ...r?.value }, e);
    assert.equal(r?.key, e.tenantId);
    assert.equal(r?.timestamp, e.timestamp);
  }
  assert.equal(received.length, events.length);
  assert.ok(punctuations.length >= 2, `stream-time punctuations fired: ${punctuations.length}`);
  assert.equal(
    rt.codec.registryLookups,
    0,
    'decoding the schema this process registered needs no registry call',
  );

  const admin = k.createAdmin(rt.kafka);
  await admin.connect();
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  for (const end of ends) {
    assert.equal(committed?.partitions.find((p) => p.partition === end.partition)?.offset, end.high);
  }
});

test('a processor bug stops the runner: done rejects with it and the offset is not committed', async () => {
  const badTopic = uniqueName('telemetry');
  const bad = testRuntime('roundtrip-bug', { telemetry: badTopic });
  const badGroup = `test-bug-${badTopic}`;
  try {
    await createTopics(bad.kafka, [{ topic: badTopic }]);
    await bad.codec.registerSchemas(['telemetry']);
    const producer = k.createIdempotentProducer(bad.kafka);
    await producer.connect();
    await producer.send({
      topic: badTopic,
      messages: [{ key: 't', value: bad.codec.encode('telemetry', telemetryEvent(1)) }],
    });
    await producer.disconnect();
    const runner = new StreamRunner(
      {
        app: `bug-${badTopic}`,
        groupId: badGroup,
        inputs: ['telemetry'],
        processor: () => ({
          init: () => undefined,
          process: (r) => {
            throw new TypeError(`cannot read ${r.value.eventId}`);
          },
          close: () => undefined,
        }),
      },
      bad,
    );
    await runner.start();
    await assert.rejects(runner.done, TypeError);
    const admin = k.createAdmin(bad.kafka);
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: badGroup, topics: [badTopic] });
    await admin.disconnect();
    assert.equal(committed?.partitions[0]?.offset, '-1');
  } finally {
    await cleanup(bad.kafka, [badTopic], [badGroup]);
  }
});
