import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol, copartitionedAssigner, type KafkaMessage } from '../../services/core/kafka.ts';
import { chunkBySize } from '../../services/core/send.ts';
import { deadLetter, dlqHeaders, headerStrings } from '../../services/core/dead-letter.ts';
import { DecodeError } from '../../services/core/errors.ts';
import { installShutdown } from '../../services/core/shutdown.ts';
import { createLogger } from '../../services/core/logger.ts';

describe('copartitionedAssigner', () => {
  test('gives partition p of every topic to the same member, spreading partitions over members', async () => {
    const partitions: Record<string, number> = { telemetry: 6, evals: 6, small: 2 };
    const cluster = {
      findTopicPartitionMetadata: (t: string) =>
        Array.from({ length: partitions[t] ?? 0 }, (_, partitionId) => ({ partitionId })),
    };
    const assigner = copartitionedAssigner({ cluster } as never);
    const members = ['m-c', 'm-a', 'm-b'].map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) }));
    const result = await assigner.assign({ members, topics: Object.keys(partitions) } as never);
    const owner = new Map<string, string>();
    for (const { memberId, memberAssignment } of result) {
      const decoded = AssignerProtocol.MemberAssignment.decode(memberAssignment);
      for (const [topic, ps] of Object.entries(decoded?.assignment ?? {})) {
        for (const p of ps) owner.set(`${topic}/${p}`, memberId);
      }
    }
    assert.equal(owner.size, 14);
    for (let p = 0; p < 6; p++) assert.equal(owner.get(`telemetry/${p}`), owner.get(`evals/${p}`));
    assert.equal(owner.get('small/1'), owner.get('telemetry/1'));
    assert.equal(new Set(owner.values()).size, 3);
  });
});

describe('chunkBySize', () => {
  test('keeps order and splits before a chunk would exceed the limit', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(100) }));
    const chunks = chunkBySize(messages, 400);
    assert.deepEqual(chunks.flat(), messages);
    assert.ok(chunks.length > 1);
    assert.ok(chunks.every((c) => c.length >= 1 && c.length <= 3));
  });
});

describe('deadLetter', () => {
  test('keeps the original bytes, key, timestamp and headers and adds reason and source', () => {
    const message = {
      key: Buffer.from('tenant-1'),
      value: Buffer.from([1, 2, 3]),
      timestamp: '1750000000000',
      offset: '42',
      headers: { trace: Buffer.from('abc') },
    } as unknown as KafkaMessage;
    const { topic, message: out } = deadLetter(
      'agent.telemetry.v1',
      7,
      message,
      new DecodeError('bad-magic-byte', 'magic 1'),
    );
    assert.equal(topic, 'agent.telemetry.v1.dlq');
    assert.deepEqual(out.value, Buffer.from([1, 2, 3]));
    assert.deepEqual(out.key, Buffer.from('tenant-1'));
    assert.equal(out.timestamp, '1750000000000');
    assert.deepEqual(headerStrings(out.headers), {
      trace: 'abc',
      [dlqHeaders.reason]: 'bad-magic-byte',
      [dlqHeaders.error]: 'magic 1',
      [dlqHeaders.sourceTopic]: 'agent.telemetry.v1',
      [dlqHeaders.sourcePartition]: '7',
      [dlqHeaders.sourceOffset]: '42',
    });
  });
});

describe('installShutdown', () => {
  const logger = createLogger({ service: 'test', level: 'silent' });

  test('on SIGTERM runs the steps in order and exits 0; a second trigger reuses the first', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = installShutdown({
      logger,
      signals: ['SIGUSR2'],
      exit: (code) => void exits.push(code),
      steps: [
        { name: 'runner', run: async () => void order.push('runner') },
        { name: 'metrics', run: async () => void order.push('metrics') },
      ],
    });
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      assert.equal(await shutdown.trigger('again'), 0);
      assert.deepEqual(order, ['runner', 'metrics']);
      assert.deepEqual(exits, [0]);
    } finally {
      shutdown.dispose();
    }
  });

  test('a failing step still runs the rest and exits 1; a hung one hits the timeout', async () => {
    const exits: number[] = [];
    const ran: string[] = [];
    const failing = installShutdown({
      logger,
      signals: [],
      exit: (code) => void exits.push(code),
      steps: [
        { name: 'a', run: () => Promise.reject(new Error('boom')) },
        { name: 'b', run: async () => void ran.push('b') },
      ],
    });
    assert.equal(await failing.trigger('test'), 1);
    assert.deepEqual(ran, ['b']);
    const hung = installShutdown({
      logger,
      signals: [],
      timeoutMs: 20,
      exit: (code) => void exits.push(code),
      steps: [{ name: 'hang', run: () => new Promise<void>(() => undefined) }],
    });
    void hung.trigger('test');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(exits, [1, 1]);
  });
});
