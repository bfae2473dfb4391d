import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Codec } from '../../services/core/codec.ts';
import { DecodeError, ProgrammerError } from '../../services/core/errors.ts';
import { bindTopics } from '../../services/core/topic-bindings.ts';
import type { TelemetryEvent } from '../../schemas/index.ts';

// The registry URL points nowhere: these checks must not need it.
const codec = new Codec({
  url: 'http://127.0.0.1:1/none',
  bindings: bindTopics({ telemetry: 'x.telemetry' }),
});

async function reason(bytes: Buffer | null): Promise<string> {
  const error = await codec.decode('telemetry', bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof DecodeError, String(error));
  assert.equal(error.retriable, false);
  return error.reason;
}

describe('Codec without the registry', () => {
  test('rejects framing errors with typed reasons before any lookup', async () => {
    assert.equal(await reason(null), 'empty');
    assert.equal(await reason(Buffer.alloc(0)), 'empty');
    assert.equal(await reason(Buffer.from([1, 0, 0, 0, 1, 2])), 'bad-magic-byte');
    assert.equal(await reason(Buffer.from([0, 0, 0])), 'truncated');
    assert.equal(codec.registryLookups, 0);
  });

  test('an unreachable registry is a retriable error, not a verdict on the record', async () => {
    const error = await codec.decode('telemetry', Buffer.from([0, 0, 0, 0, 9, 1])).catch((e: unknown) => e);
    assert.ok(!(error instanceof DecodeError));
    assert.equal((error as { retriable?: boolean }).retriable, true);
  });

  test('encoding for a topic whose schema is not registered is a programmer error', () => {
    assert.throws(() => codec.encode('telemetry', {} as TelemetryEvent), ProgrammerError);
    assert.equal(codec.bindingOf('x.telemetry')?.key, 'telemetry');
    assert.equal(codec.bindingOf('agent.evals.v1')?.subject, 'agent.evals.v1-value');
  });
});
