/**
 * Fuzzing the Confluent-framed Avro decoder (services/core/codec.ts) with the signals validators, on
 * the real schema registry: whatever the bytes, decode either returns a value that passes validation
 * or rejects with a non-retriable DecodeError whose reason is one of the DLQ reasons.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, decodeReasons, type DecodeReason } from '../../services/core/errors.ts';
import {
  implausibleEval,
  implausibleTelemetry,
  MAX_ID_LENGTH,
  MAX_LATENCY_MS,
} from '../../services/detect/replay/plausibility.ts';
import { PLAUSIBLE_TIME_MS } from '../../services/detect/replay/record-validator.ts';
import type { EvalEvent, TelemetryEvent } from '../../schemas/types.ts';
import { telemetryEvent, testRuntime, uniqueName } from '../integration/helpers.ts';
import { recordResult, tally } from './fault-report.ts';

const rt = testRuntime('fault-codec', {
  telemetry: uniqueName('fz-telemetry'),
  evals: uniqueName('fz-evals'),
});
const codec = rt.codec;
let goodBytes: Buffer;
let telemetryId = 0;

const evalEvent: EvalEvent = {
  evalId: 'e-1',
  timestamp: 1_750_000_000_000,
  tenantId: 'tenant-0',
  requestEventId: 'evt-1',
  bundleId: 'b-1',
  baselineBundleId: 'b-0',
  arm: 'canary',
  judgeScore: 0.8,
  semanticSimilarity: null,
  evaluator: 'judge-v1',
};

/** The outcome of decoding: 'ok' (value passed validation) or the DecodeError reason. */
async function outcome(bytes: Buffer | null): Promise<'ok' | DecodeReason> {
  try {
    const v = await codec.decode('telemetry', bytes, implausibleTelemetry);
    assert.equal(implausibleTelemetry(v), undefined);
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof DecodeError, `not a DecodeError: ${String(error)}`);
    assert.equal(error.retriable, false);
    assert.ok(decodeReasons.includes(error.reason));
    return error.reason;
  }
}

function frame(id: number, body: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.writeInt32BE(id, 1);
  out.set(body, 5);
  return out;
}

before(async () => {
  const ids = await codec.registerSchemas(['telemetry', 'evals']);
  telemetryId = ids.get('telemetry') ?? 0;
  goodBytes = codec.encode('telemetry', telemetryEvent(1));
});

describe('decoder under random and damaged bytes', () => {
  test('random bytes: a valid value or a typed DecodeError, never a crash', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        tally(seen, await outcome(Buffer.from(bytes)));
      }),
      { numRuns: 2_000, seed: 6 },
    );
    tally(seen, await outcome(null));
    assert.ok((seen.get('bad-magic-byte') ?? 0) > 1_500, JSON.stringify([...seen]));
    assert.ok(seen.has('empty'));
    recordResult('codec: random bytes', seen);
  });

  test('a registered id with a random or bit-flipped body never crashes', async () => {
    const seen = new Map<string, number>();
    const body = goodBytes.subarray(5);
    const flipped = fc
      .array(fc.tuple(fc.nat(body.length - 1), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      })
      .map((flips) => {
        const b = Buffer.from(body);
        for (const [at, x] of flips) b[at] = (b[at] ?? 0) ^ x;
        return b;
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 400 }), flipped), async (b) => {
        tally(seen, await outcome(frame(telemetryId, b)));
      }),
      { numRuns: 3_000, seed: 7 },
    );
    assert.ok((seen.get('corrupt') ?? 0) + (seen.get('truncated') ?? 0) > 0, JSON.stringify([...seen]));
    recordResult('codec: registered id, random/bit-flipped body', seen);
  });

  test('a valid record cut anywhere is truncated or corrupt, never a value', async () => {
    const seen = new Map<string, number>();
    for (let cut = 5; cut < goodBytes.length; cut++) {
      const r = await outcome(goodBytes.subarray(0, cut));
      assert.ok(r === 'truncated' || r === 'corrupt', `cut at ${cut}: ${r}`);
      tally(seen, r);
    }
    for (let cut = 1; cut < 5; cut++) assert.equal(await outcome(goodBytes.subarray(0, cut)), 'truncated');
    const trailing = await outcome(Buffer.concat([goodBytes, Buffer.from([1, 2, 3])]));
    assert.equal(trailing, 'corrupt');
    recordResult('codec: valid record truncated at every byte', seen);
  });

  test('wrong magic byte: rejected without asking the registry', async () => {
    const before = codec.registryLookups;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 255 }), async (magic) => {
        const b = Buffer.from(goodBytes);
        b[0] = magic;
        assert.equal(await outcome(b), 'bad-magic-byte');
      }),
      { numRuns: 255, seed: 8 },
    );
    assert.equal(codec.registryLookups, before);
    recordResult('codec: wrong magic byte', new Map([['bad-magic-byte', 255]]));
  });

  test('unknown schema ids and another topic’s schema are named as such', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100_000_000, max: 2 ** 31 - 1 }), async (id) => {
        assert.equal(await outcome(frame(id, goodBytes.subarray(5))), 'unknown-schema-id');
      }),
      { numRuns: 40, seed: 9 },
    );
    assert.equal(await outcome(codec.encode('evals', evalEvent)), 'wrong-schema');
    recordResult('codec: unknown schema id (40) and wrong schema (1)', new Map([['rejected', 41]]));
  });
});

const latency = fc.oneof(
  fc.constantFrom(Number.NaN, -1, -0.001, 1e308, Infinity, -Infinity, 0, MAX_LATENCY_MS + 1),
  fc.double(),
  fc.double({ min: 0, max: 60_000, noNaN: true }),
);
const timestamp = fc.oneof(
  fc.constantFrom(0, 86_400_000, PLAUSIBLE_TIME_MS.min - 1, PLAUSIBLE_TIME_MS.max),
  fc.constant(Date.UTC(new Date().getUTCFullYear() + 1, 5, 1)),
  fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
);
const tenantId = fc.oneof(
  fc.constantFrom('', 'x'.repeat(10 * 1024), 't'.repeat(MAX_ID_LENGTH), 't'.repeat(MAX_ID_LENGTH + 1)),
  fc.string({ maxLength: 300 }),
);

/** What the validation layer must decide about these fields, written independently of it. */
function shouldPass(e: Pick<TelemetryEvent, 'latencyMs' | 'timestamp' | 'tenantId'>): boolean {
  const lat = e.latencyMs >= 0 && e.latencyMs <= MAX_LATENCY_MS;
  const ts = e.timestamp >= PLAUSIBLE_TIME_MS.min && e.timestamp < PLAUSIBLE_TIME_MS.max;
  return lat && ts && e.tenantId.length >= 1 && e.tenantId.length <= MAX_ID_LENGTH;
}

describe('extreme field values survive the wire and are rejected as invalid', () => {
  test('latency, timestamps and tenant ids: accepted exactly when plausible', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(latency, timestamp, tenantId, async (latencyMs, ts, tenant) => {
        const e = telemetryEvent(3, { latencyMs, timestamp: ts, tenantId: tenant });
        const r = await outcome(codec.encode('telemetry', e));
        assert.equal(r, shouldPass(e) ? 'ok' : 'invalid', `${latencyMs} ${ts} ${tenant.length}`);
        tally(seen, r);
      }),
      { numRuns: 1_500, seed: 10 },
    );
    assert.ok((seen.get('ok') ?? 0) > 0 && (seen.get('invalid') ?? 0) > 0);
    recordResult('codec+validator: extreme latency/timestamp/tenantId', seen);
  });

  test('an oversize record (512 KiB ids) is invalid, not processed', async () => {
    const big = telemetryEvent(4, { eventId: 'e'.repeat(512 * 1024) });
    assert.equal(await outcome(codec.encode('telemetry', big)), 'invalid');
  });

  test('eval ratios outside 0..1 (NaN included) are invalid', () => {
    fc.assert(
      fc.property(fc.double(), (judgeScore) => {
        const why = implausibleEval({ ...evalEvent, judgeScore });
        assert.equal(why === undefined, judgeScore >= 0 && judgeScore <= 1);
      }),
      { numRuns: 2_000, seed: 11 },
    );
  });
});
