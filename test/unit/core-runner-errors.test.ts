import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { ProgrammerError } from '../../services/core/errors.ts';
import { isFatal, TaskClosedError } from '../../services/core/runner-errors.ts';

const {
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSConnectionError,
} = kafkajs;

/** What kafkajs throws once its own retries ran out: a non-retriable error around the last one. */
const gaveUp = (cause: Error): Error => Object.assign(new KafkaJSNonRetriableError(cause), { cause });

describe('isFatal', () => {
  test('a record the broker refuses, or a programmer error, stops the service', () => {
    const tooLarge = new KafkaJSProtocolError(
      'The request included a message larger than the max message size',
    );
    Object.assign(tooLarge, { type: 'MESSAGE_TOO_LARGE', retriable: false });
    assert.equal(isFatal(gaveUp(tooLarge)), true);
    assert.equal(isFatal(new ProgrammerError('bug')), true);
    assert.equal(isFatal(new TypeError('x is undefined')), true);
  });

  test('an unreachable cluster drops the task, also once kafkajs gave up and called it non-retriable', () => {
    const coordinator = new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)(
      'Failed to find group coordinator',
    );
    assert.equal(isFatal(coordinator), false);
    assert.equal(isFatal(gaveUp(coordinator)), false);
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    assert.equal(isFatal(gaveUp(refused)), false);
  });

  test('a partition that moved, or a closed task, drops the task only', () => {
    const fenced = new KafkaJSProtocolError('fenced');
    Object.assign(fenced, { type: 'PRODUCER_FENCED', retriable: false });
    assert.equal(isFatal(gaveUp(fenced)), false);
    assert.equal(isFatal(new TaskClosedError('closed')), false);
  });
});
