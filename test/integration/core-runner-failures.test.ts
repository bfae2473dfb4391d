/**
 * The runner under failure, on the real broker: a task's stores are never used after the task was
 * closed, and an output the broker refuses for good (a record over the topic's max.message.bytes)
 * fails the runner, clearly logged, instead of rebuilding the task and failing again forever.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { deadLetterTopic } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import { createLogger } from '../../services/core/logger.ts';
import type { Processor } from '../../services/core/processor.ts';
import type { KeyValueStore } from '../../services/core/stores/key-value-store.ts';
import { StreamRunner } from '../../services/core/runner.ts';
import { isFatal } from '../../services/core/runner-errors.ts';
import { DecodeError, ProgrammerError, UnavailableError } from '../../services/core/errors.ts';
import { cleanup, createTopics, telemetryEvent, testRuntime, uniqueName, waitFor } from './helpers.ts';

const input = uniqueName('telemetry');
const output = uniqueName('evals');
const rt = testRuntime('runner-failures', { telemetry: input, evals: output });
const groups: string[] = [];
after(() => cleanup(rt.kafka, [input, output, deadLetterTopic(input)], groups));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function produce(n: number, from = 0): Promise<void> {
  const producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  const events = Array.from({ length: n }, (_, i) => telemetryEvent(from + i));
  await producer.send({
    topic: input,
    messages: events.map((e) => ({ key: e.tenantId, value: rt.codec.encode('telemetry', e) })),
  });
  await producer.disconnect();
}

test('fatal: non-retriable errors, not retriable ones, exhausted retries or a partition that moved', () => {
  const kafkaError = (name: string, retriable: boolean, extra: object = {}, cause?: Error) =>
    Object.assign(new Error(name), { name, retriable, ...extra, ...(cause ? { cause } : {}) });
  const tooLarge = kafkaError('KafkaJSProtocolError', false, { type: 'MESSAGE_TOO_LARGE' });
  assert.equal(isFatal(tooLarge), true);
  assert.equal(isFatal(kafkaError('KafkaJSNonRetriableError', false, {}, tooLarge)), true);
  assert.equal(isFatal(new ProgrammerError('store used after close')), true);
  assert.equal(isFatal(new TypeError('x is undefined')), true);
  assert.equal(isFatal(new DecodeError('corrupt', 'bad bytes')), true);
  assert.equal(isFatal(new UnavailableError('registry down')), false);
  const disconnected = kafkaError('KafkaJSConnectionError', true);
  assert.equal(isFatal(kafkaError('KafkaJSNumberOfRetriesExceeded', false, {}, disconnected)), false);
  const fenced = kafkaError('KafkaJSProtocolError', false, { type: 'INVALID_PRODUCER_EPOCH' });
  assert.equal(isFatal(kafkaError('KafkaJSNonRetriableError', false, {}, fenced)), false);
});

test('setup: topics, the output refusing records over 1 KiB', async () => {
  await createTopics(rt.kafka, [{ topic: input }, { topic: deadLetterTopic(input) }]);
  const admin = k.createAdmin(rt.kafka);
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: output,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'max.message.bytes', value: '1024' }],
      },
    ],
  });
  await admin.disconnect();
  await rt.codec.registerSchemas(['telemetry', 'evals']);
});

test('a batch that waited for a task dropped meanwhile runs on a rebuilt task, never on the closed stores', async () => {
  const app = `closed-${input}`.replace(/\./g, '-');
  groups.push(`test-${app}`);
  const usedAfterClose: string[] = [];
  const processed = new Set<string>();
  let tasks = 0;
  let armed = false;
  let holding = false;
  let failed = false;
  const processor = (): Processor<'telemetry'> => {
    tasks++;
    let store: KeyValueStore;
    return {
      init(ctx) {
        store = ctx.store('s');
        ctx.schedule(50, 'wall-clock', async () => {
          if (!armed || failed) return;
          failed = true;
          holding = true;
          await sleep(3_000); // holds the task while the batch below arrives and waits for it
          throw new UnavailableError('injected punctuator failure');
        });
      },
      async process(r) {
        await sleep(20);
        try {
          await store.put(Buffer.from(r.value.eventId), Buffer.from('1'));
        } catch (error) {
          usedAfterClose.push((error as Error).message);
          throw error;
        }
        processed.add(r.value.eventId);
      },
      close: () => undefined,
    };
  };
  const runner = new StreamRunner(
    {
      app,
      groupId: `test-${app}`,
      inputs: ['telemetry'],
      processor,
      stores: [{ name: 's', kind: 'memory', logged: false, cacheEntries: 0 }],
      wallClockTickMs: 50,
    },
    rt,
  );
  try {
    await runner.start();
    await waitFor(() => tasks === 1, 'the first task');
    armed = true;
    await waitFor(() => holding, 'the punctuator holding the task');
    await produce(10);
    await waitFor(() => processed.size === 10 || usedAfterClose.length > 0, 'every record processed', 30_000);
    assert.deepEqual(usedAfterClose, [], 'no store used after close');
    assert.equal(tasks, 2, 'the dropped task was rebuilt once');
  } finally {
    await runner.stop();
  }
});

test('an output the broker refuses for good fails the runner, logged, without rebuilding the task', async () => {
  const app = `refused-${input}`.replace(/\./g, '-');
  groups.push(`test-${app}`);
  const lines: string[] = [];
  const logger = createLogger({
    service: 'runner-failures',
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  let tasks = 0;
  const processor = (): Processor<'telemetry'> => {
    tasks++;
    let forward: (v: string, eventId: string) => void = () => undefined;
    return {
      init(ctx) {
        forward = (tenantId, eventId) =>
          ctx.forward('evals', tenantId, {
            evalId: eventId,
            timestamp: 1_750_000_000_000,
            tenantId,
            requestEventId: eventId,
            bundleId: 'b-1',
            baselineBundleId: 'b-0',
            arm: 'canary',
            judgeScore: 1,
            semanticSimilarity: null,
            evaluator: 'x'.repeat(4_000),
          });
      },
      process: (r) => forward(r.value.tenantId, r.value.eventId),
      close: () => undefined,
    };
  };
  for (const exactlyOnce of [false, true]) {
    tasks = 0;
    const runner = new StreamRunner(
      {
        app: `${app}-${exactlyOnce ? 'eos' : 'alo'}`,
        groupId: `test-${app}`,
        inputs: ['telemetry'],
        outputs: ['evals'],
        processor,
        exactlyOnce,
      },
      { ...rt, logger },
    );
    await runner.start();
    const failed = await Promise.race([
      runner.done.then(
        () => 'stopped',
        (e: unknown) => e,
      ),
      sleep(30_000).then(() => 'still running'),
    ]);
    await runner.stop();
    assert.ok(failed instanceof Error, `exactlyOnce=${exactlyOnce}: done rejected (got ${String(failed)})`);
    assert.match(String((failed as Error).message), /larger than the max message size/);
    assert.equal(tasks, 1, `exactlyOnce=${exactlyOnce}: the task was not rebuilt`);
    assert.ok(
      lines.some((l) => l.includes('runner failed for good')),
      'the failure is logged at error level',
    );
    lines.length = 0;
  }
});
