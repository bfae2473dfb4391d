import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { avroSchemas } from '../../schemas/index.ts';
import type { EvalEvent, TelemetryEvent } from '../../schemas/types.ts';
import { ContentError } from '../../services/cli/errors.ts';
import { isAvroContainer } from '../../services/cli/io/avro-file-reader.ts';
import { forEachLine } from '../../services/cli/io/line-reader.ts';
import { convertJsonLinesToAvro, openAvroInputWriter } from '../../services/cli/replay/avro-input-writer.ts';
import { forEachAvroInput } from '../../services/cli/replay/replay-input-avro.ts';
import {
  parseInputLine,
  type InvalidLine,
  type ReplayInput,
} from '../../services/detect/replay/parse-input-line.ts';
import { GOLDEN_INPUT } from '../fixtures/make-golden-input.ts';

type Read = { n: number; input: ReplayInput | InvalidLine };

/** A comparable plain form: the kind and the record's fields, without the JSON-only `type` key. */
function plain(input: ReplayInput | InvalidLine): unknown {
  if (input.type === 'invalid') return input;
  const record = { ...(input.type === 'rollout' ? input.command : input.event) } as Record<string, unknown>;
  delete record.type;
  return { type: input.type, record: JSON.parse(JSON.stringify(record)) as unknown };
}

/** Writes `values` with avsc's own encoder, as another tool would. */
async function writeAvro(path: string, schema: object, values: unknown[], codec: string): Promise<void> {
  const type = avro.Type.forSchema(schema as avro.Schema);
  await pipeline(
    Readable.from(values),
    new avro.streams.BlockEncoder(type, { codec, writeHeader: 'always' }),
    createWriteStream(path),
  );
}

async function readAll(path: string): Promise<Read[]> {
  const out: Read[] = [];
  await forEachAvroInput({ path }, (input, n) => out.push({ n, input }));
  return out;
}

const telemetry: TelemetryEvent = {
  eventId: 'e-1',
  timestamp: 1_764_000_000_000,
  tenantId: 't-1',
  tenantTier: 'enterprise',
  gatewayId: 'gw-1',
  sessionId: null,
  bundleId: 'b-1',
  arm: 'canary',
  latencyMs: 120.5,
  timeToFirstTokenMs: null,
  inputTokens: 10,
  outputTokens: 20,
  costUsd: 0.001,
  outcome: 'ok',
  toolCallsAttempted: 1,
  toolCallsSucceeded: 1,
  outputChars: 300,
  refusal: false,
  retried: false,
  feedback: 'none',
  taskCompleted: true,
  policyViolation: false,
  piiScore: null,
  toxicity: 0.01,
};
const evalEvent: EvalEvent = {
  evalId: 'v-1',
  timestamp: 1_764_000_000_500,
  tenantId: 't-1',
  requestEventId: 'e-1',
  bundleId: 'b-1',
  baselineBundleId: 'b-0',
  arm: 'canary',
  judgeScore: 0.8,
  semanticSimilarity: null,
  evaluator: 'judge',
};

let dir = '';
let converted = '';
const invalidLines: Array<{ lineNo: number; reason: string }> = [];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backtrack-avro-'));
  converted = join(dir, 'golden.avro');
  await convertJsonLinesToAvro({ path: GOLDEN_INPUT }, converted, (lineNo, reason) =>
    invalidLines.push({ lineNo, reason }),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Avro replay input', () => {
  test('JSON lines → Avro → records: the same valid records in the same order', async () => {
    const expected: unknown[] = [];
    await forEachLine({ path: GOLDEN_INPUT }, (text) => {
      const parsed = parseInputLine(text);
      if (parsed.type !== 'blank' && parsed.type !== 'invalid') expected.push(plain(parsed));
    });
    const read = await readAll(converted);
    assert.equal(read.length, expected.length);
    assert.deepEqual(
      read.map((r) => r.n),
      read.map((_, i) => i + 1),
    );
    assert.deepEqual(
      read.map((r) => plain(r.input)),
      expected,
    );
    assert.equal(await isAvroContainer(converted), true);
    assert.equal(await isAvroContainer(GOLDEN_INPUT), false);
  });

  test('conversion reports the invalid lines with their numbers and skips them', () => {
    assert.deepEqual(
      invalidLines.map((l) => l.lineNo),
      [101, 1101, 2101],
    );
    assert.match(invalidLines[2]!.reason, /judgeScore: expected a ratio in 0\.\.1, got 7/);
  });

  test('an implausible record arrives as invalid with its record number and reason; the rest are read', async () => {
    const path = join(dir, 'implausible.avro');
    const w = openAvroInputWriter(path);
    w.write({ type: 'telemetry', event: telemetry });
    w.write({ type: 'telemetry', event: { ...telemetry, eventId: 'e-2', latencyMs: -5 } });
    w.write({ type: 'eval', event: { ...evalEvent, judgeScore: 1.5 } });
    w.write({ type: 'eval', event: evalEvent });
    await w.close();
    const read = await readAll(path);
    assert.deepEqual(
      read.map((r) => [r.n, r.input.type]),
      [
        [1, 'telemetry'],
        [2, 'invalid'],
        [3, 'invalid'],
        [4, 'eval'],
      ],
    );
    assert.deepEqual(read[1]!.input, {
      type: 'invalid',
      reason: 'TelemetryEvent: field latencyMs: expected a finite non-negative number, got -5',
    });
    assert.match((read[2]!.input as InvalidLine).reason, /^EvalEvent: field judgeScore: expected a ratio/);
  });

  test('a corrupt sync marker, a bad union index and a truncated file fail naming the file and the block', async () => {
    const good = readFileSync(converted);
    const syncAt = good.indexOf(good.subarray(good.length - 16), 0);
    const firstBlockEnd = good.indexOf(good.subarray(good.length - 16), syncAt + 16);
    const badSync = Buffer.from(good);
    badSync[firstBlockEnd] = badSync[firstBlockEnd]! ^ 0xff;
    const cases: Array<[string, Buffer, RegExp]> = [
      [
        'bad-sync.avro',
        badSync,
        /bad-sync\.avro: corrupt Avro file, block 1 at byte \d+: sync marker mismatch/,
      ],
      [
        'truncated.avro',
        good.subarray(0, good.length - 100),
        /truncated\.avro: corrupt Avro file, block \d+ at byte \d+: truncated/,
      ],
    ];
    const badIndex = Buffer.from(good);
    const headerEnd = syncAt + 16;
    // block header: count and size varints, then the first record's union index
    let p = headerEnd;
    while (badIndex[p]! & 0x80) p++;
    p++;
    while (badIndex[p]! & 0x80) p++;
    p++;
    badIndex[p] = 0x7e;
    cases.push([
      'bad-index.avro',
      badIndex,
      /bad-index\.avro: corrupt Avro file, block 1 at byte \d+: record 1 of \d+: invalid union index/,
    ]);
    for (const [name, bytes, expected] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      await assert.rejects(readAll(path), (err: unknown) => {
        assert.ok(err instanceof ContentError);
        assert.match(err.message, expected);
        return true;
      });
    }
  });

  test('reads files of other writers: one record type, deflate blocks, an older schema resolved by defaults', async () => {
    const older = avroSchemas.TelemetryEvent as { fields: Array<{ name: string }> };
    const olderSchema = { ...older, fields: older.fields.filter((f) => f.name !== 'toxicity') };
    const path = join(dir, 'older.avro');
    await writeAvro(path, olderSchema, [{ ...telemetry, toxicity: undefined }], 'deflate');
    const read = await readAll(path);
    assert.equal(read.length, 1);
    assert.deepEqual(
      plain(read[0]!.input),
      plain({ type: 'telemetry', event: { ...telemetry, toxicity: null } }),
    );
  });

  test('a file of another record type is refused before any record', async () => {
    const path = join(dir, 'bundles.avro');
    await writeAvro(path, avroSchemas.Approval, [], 'null');
    await assert.rejects(
      readAll(path),
      /bundles\.avro: the file holds backtrack\.v1\.Approval records; expected/,
    );
  });
});
