import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Codec } from '../../services/core/codec.ts';
import { ProgrammerError } from '../../services/core/errors.ts';
import { createLogger } from '../../services/core/logger.ts';
import { Metrics } from '../../services/core/metrics.ts';
import type { Processor, RecordOf } from '../../services/core/processor.ts';
import { runtimeMetrics } from '../../services/core/runtime-metrics.ts';
import { MemoryStore } from '../../services/core/stores/memory-store.ts';
import { PartitionTask } from '../../services/core/task.ts';
import { MockProcessorContext, testRecord } from '../../services/core/testing/mock-context.ts';
import { bindTopics } from '../../services/core/topic-bindings.ts';
import type { RollbackDecision, TelemetryEvent } from '../../schemas/index.ts';

const event = (i: number, timestamp: number) =>
  ({ eventId: `e${i}`, timestamp, tenantId: 't1' }) as TelemetryEvent;
const decision = (id: string, at: number) => ({ decisionId: id, decidedAt: at }) as RollbackDecision;

/** Counts events per tenant; on each 10 s stream-time boundary forwards a "decision" and resets. */
function counting(): Processor<'telemetry'> & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  let ctx: Parameters<Processor<'telemetry'>['init']>[0];
  return {
    counts,
    init(context) {
      ctx = context;
      ctx.schedule(10_000, 'stream-time', (t) => {
        for (const [tenant, n] of counts)
          ctx.forward('decisions', tenant, decision(`${tenant}@${t}:${n}`, t));
        counts.clear();
      });
    },
    async process(r) {
      counts.set(r.value.tenantId, (counts.get(r.value.tenantId) ?? 0) + 1);
      await ctx.store('seen').put(Buffer.from(r.value.eventId), Buffer.from('1'));
    },
    close: () => undefined,
  };
}

const fakeCodec = {
  bindings: bindTopics(),
  encode: (_topic: string, value: unknown) => Buffer.from(JSON.stringify(value)),
} as unknown as Codec;

describe('PartitionTask', () => {
  const make = (processor: Processor<'telemetry'>) => {
    const metrics = new Metrics({ service: 't', defaultMetrics: false });
    const store = new MemoryStore('seen');
    const task = new PartitionTask<'telemetry'>({
      app: 't',
      partition: 2,
      processor,
      stores: new Map([['seen', { spec: { name: 'seen' }, outer: store, logged: undefined }]]),
      codec: fakeCodec,
      logger: createLogger({ service: 't', level: 'silent' }),
      metrics,
      runtime: runtimeMetrics(metrics),
    });
    return { task, store };
  };

  test('forwards punctuation output encoded, to the bound topic name, stamped with the punctuation time', async () => {
    const { task, store } = make(counting());
    await task.init();
    for (const [i, t] of [1_000, 4_000, 9_000, 12_000].entries()) {
      await task.process(testRecord('telemetry', event(i, t), t) as RecordOf<'telemetry'>);
    }
    const outputs = task.takeOutputs();
    assert.equal(outputs.length, 1);
    assert.equal(outputs[0]?.topic, 'rollback.decisions.v1');
    const [message] = outputs[0]?.messages ?? [];
    assert.equal(message?.key, 't1');
    assert.equal(message?.timestamp, '12000');
    assert.deepEqual(JSON.parse(String(message?.value)), { decisionId: 't1@12000:4', decidedAt: 12_000 });
    assert.deepEqual(task.takeOutputs(), [], 'taking empties the queue');
    assert.equal(store.size, 4);
  });

  test('an undeclared store is a programmer error', () => {
    const { task } = make(counting());
    assert.throws(() => task.context.store('nope'), ProgrammerError);
  });

  test('exclusive runs calls one at a time, in order, even after a failure', async () => {
    const { task } = make(counting());
    const order: string[] = [];
    const slow = task.exclusive(async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('slow');
    });
    const failing = task.exclusive(async () => {
      order.push('fail');
      throw new Error('x');
    });
    const after = task.exclusive(async () => void order.push('after'));
    await Promise.all([slow, failing.catch(() => undefined), after]);
    assert.deepEqual(order, ['slow', 'fail', 'after']);
  });
});

describe('MockProcessorContext', () => {
  test('captures forwards and lets the test drive stream time', async () => {
    const ctx = new MockProcessorContext({ stores: ['seen'] });
    const processor = counting();
    await processor.init(ctx);
    await ctx.process(processor, testRecord('telemetry', event(1, 5_000), 5_000));
    await ctx.process(processor, testRecord('telemetry', event(2, 6_000), 6_000));
    assert.deepEqual(ctx.forwarded, []);
    assert.equal(await ctx.advanceStreamTime(20_000), 1);
    assert.deepEqual(ctx.forwardedTo('decisions'), [decision('t1@20000:2', 20_000)]);
    assert.equal(ctx.streamTime(), 20_000);
    assert.equal(ctx.stores.get('seen')?.size, 2);
  });
});
