import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DecodeError,
  ProgrammerError,
  UnavailableError,
  ValidationError,
  isRetriable,
} from '../../services/core/errors.ts';
import { retry } from '../../services/core/retry.ts';

describe('errors', () => {
  test('decode and validation errors are not retriable; unavailability is; cause is kept', () => {
    const cause = new Error('ECONNREFUSED');
    const unavailable = new UnavailableError('registry down', { cause });
    assert.equal(unavailable.cause, cause);
    assert.equal(unavailable.name, 'UnavailableError');
    assert.equal(isRetriable(unavailable), true);
    assert.equal(isRetriable(new DecodeError('truncated', 'x')), false);
    assert.equal(isRetriable(new ValidationError('x', ['latencyMs'])), false);
    assert.equal(isRetriable(new TypeError('x')), false);
    assert.equal(isRetriable({ retriable: true }), true, 'kafkajs errors carry their own flag');
    assert.equal(isRetriable(new Error('unknown')), false);
  });
});

describe('retry', () => {
  const fast = {
    retries: 3,
    initialDelayMs: 100,
    maxDelayMs: 250,
    sleep: async () => undefined,
    random: () => 1,
  };

  test('retries a retriable error until it succeeds, with capped exponential delays', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        if (++calls < 4) throw new UnavailableError('not yet');
        return 'ok';
      },
      { ...fast, onRetry: (_e, _a, ms) => void delays.push(ms) },
    );
    assert.equal(result, 'ok');
    assert.deepEqual(delays, [100, 200, 250]);
  });

  test('never retries a non-retriable or programmer error', async () => {
    for (const error of [new DecodeError('empty', 'x'), new ProgrammerError('bug'), new TypeError('bug')]) {
      let calls = 0;
      await assert.rejects(
        retry(async () => {
          calls++;
          throw error;
        }, fast),
        (e) => e === error,
      );
      assert.equal(calls, 1);
    }
  });

  test('gives up after the configured retries with the last error', async () => {
    let calls = 0;
    await assert.rejects(
      retry(async () => {
        throw new UnavailableError(`attempt ${++calls}`);
      }, fast),
      /attempt 4/,
    );
  });
});
