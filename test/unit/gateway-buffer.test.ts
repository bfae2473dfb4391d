import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedQueue } from '../../services/gateway/bounded-queue.ts';
import { CatchUp } from '../../services/gateway/catch-up.ts';

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('BoundedQueue (the producer buffer)', () => {
  test('admits up to capacity, counting items in flight', () => {
    const q = new BoundedQueue<number>(3);
    assert.ok(q.tryPush(1) && q.tryPush(2) && q.tryPush(3));
    assert.equal(q.tryPush(4), false);
    assert.deepEqual(q.take(2), [1, 2]);
    assert.deepEqual([q.size, q.queued, q.inFlight], [3, 1, 2]);
    assert.equal(q.tryPush(4), false, 'in-flight items still hold their room');
    q.release(2);
    assert.ok(q.tryPush(4));
  });

  test('a waiter is admitted, in FIFO order, only when a release frees room', async () => {
    const q = new BoundedQueue<string>(1);
    q.tryPush('a');
    const b = q.wait('b');
    const c = q.wait('c');
    assert.equal(q.tryPush('d'), false, 'no overtaking the waiters');
    assert.equal(await settled(b.promise), false);
    q.take(1);
    q.release(1);
    assert.equal(await settled(b.promise), true);
    assert.equal(await settled(c.promise), false);
    assert.deepEqual([q.peek(), q.size, q.waiting], ['b', 1, 1]);
    q.take(1);
    q.release(1);
    assert.equal(await settled(c.promise), true);
    assert.deepEqual(q.take(5), ['c']);
  });

  test('a cancelled waiter rejects and never enters the queue', async () => {
    const q = new BoundedQueue<string>(1);
    q.tryPush('a');
    const b = q.wait('b');
    assert.equal(b.cancel(new Error('timeout')), true);
    await assert.rejects(b.promise, /timeout/);
    q.take(1);
    q.release(1);
    assert.deepEqual([q.size, q.waiting, b.cancel(new Error('again'))], [0, 0, false]);
  });

  test('size never exceeds capacity under any interleaving of push, take and release', () => {
    const q = new BoundedQueue<number>(5);
    let seed = 1;
    for (let i = 0; i < 10_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const op = seed % 3;
      if (op === 0) q.tryPush(i);
      else if (op === 1) q.take(seed % 4);
      else q.release(seed % 3);
      assert.ok(q.size <= 5 && q.size >= 0);
    }
  });
});

describe('CatchUp', () => {
  test('empty partitions are caught up at once', () => {
    assert.ok(new CatchUp([{ partition: 0, low: '5', high: '5' }]).done);
    assert.ok(new CatchUp([]).done);
  });

  test('done when every partition read up to its start high watermark − 1', () => {
    const c = new CatchUp([
      { partition: 0, low: '0', high: '10' },
      { partition: 1, low: '0', high: '3' },
    ]);
    assert.equal(c.advance(0, '8'), false);
    assert.equal(c.advance(1, '2'), false);
    assert.deepEqual(c.pending(), [0]);
    assert.equal(c.advance(0, '9'), true);
    assert.ok(c.done);
    assert.equal(c.advance(0, '12'), false, 'reported once');
  });

  test('offsets are compared as integers, not strings (a control record past the last message counts)', () => {
    const c = new CatchUp([{ partition: 0, low: '0', high: '100' }]);
    assert.equal(c.advance(0, '98'), false);
    assert.equal(c.advance(0, '99'), true);
  });
});
