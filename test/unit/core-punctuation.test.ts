import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PunctuationSchedule } from '../../services/core/punctuation.ts';
import { ProgrammerError } from '../../services/core/errors.ts';

const fired = (s: PunctuationSchedule, type: 'stream-time' | 'wall-clock', t: number) =>
  s.due(type, t).map((d) => d.timestampMs);

describe('PunctuationSchedule', () => {
  test('stream-time fires when time passes the next epoch-aligned multiple, once per advance', () => {
    const s = new PunctuationSchedule();
    s.add(1_000, 'stream-time', () => undefined, 0);
    assert.deepEqual(fired(s, 'stream-time', 10_250), [], 'the first observation only arms it');
    assert.deepEqual(fired(s, 'stream-time', 10_999), []);
    assert.deepEqual(fired(s, 'stream-time', 11_000), [11_000]);
    assert.deepEqual(fired(s, 'stream-time', 11_500), []);
    assert.deepEqual(fired(s, 'stream-time', 15_200), [15_200], 'a jump fires once');
    assert.deepEqual(fired(s, 'stream-time', 15_999), []);
    assert.deepEqual(fired(s, 'stream-time', 16_000), [16_000]);
  });

  test('wall-clock fires every interval from when it was scheduled; stream time does not drive it', () => {
    const s = new PunctuationSchedule();
    s.add(500, 'wall-clock', () => undefined, 1_000);
    assert.deepEqual(fired(s, 'stream-time', 99_999), []);
    assert.deepEqual(fired(s, 'wall-clock', 1_499), []);
    assert.deepEqual(fired(s, 'wall-clock', 1_600), [1_600]);
    assert.deepEqual(fired(s, 'wall-clock', 2_000), []);
    assert.deepEqual(fired(s, 'wall-clock', 2_100), [2_100]);
    assert.equal(s.minWallClockIntervalMs(), 500);
  });

  test('a cancelled punctuator never fires again', () => {
    const s = new PunctuationSchedule();
    const handle = s.add(10, 'stream-time', () => undefined, 0);
    fired(s, 'stream-time', 5);
    handle.cancel();
    assert.deepEqual(fired(s, 'stream-time', 100), []);
  });

  test('a non-positive interval is a programmer error; -Infinity stream time is ignored', () => {
    const s = new PunctuationSchedule();
    assert.throws(() => s.add(0, 'stream-time', () => undefined, 0), ProgrammerError);
    s.add(10, 'stream-time', () => undefined, 0);
    assert.deepEqual(fired(s, 'stream-time', -Infinity), []);
  });
});
