import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAvroInputWriter } from '../../services/cli/replay/avro-input-writer.ts';
import { parseInputLine } from '../../services/detect/replay/parse-input-line.ts';
import { GOLDEN_INPUT } from '../fixtures/make-golden-input.ts';
import { cli } from './cli-run.ts';

let dir = '';
let avroInput = '';
let convertErr = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backtrack-avro-cli-'));
  avroInput = join(dir, 'golden.avro');
  const r = await cli(['replay', 'convert', GOLDEN_INPUT, avroInput]);
  assert.equal(r.code, 0, r.err);
  convertErr = r.err;
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('backtrack replay with an Avro input', () => {
  test('replay convert reports invalid lines by number and the records written', () => {
    assert.match(convertErr, /golden-canary\.jsonl:101: invalid, skipped: bad JSON/);
    assert.match(convertErr, /golden-canary\.jsonl:2101: invalid, skipped: EvalEvent: field judgeScore/);
    assert.match(
      convertErr,
      /convert: 11,122 records from 11,125 lines \(3 invalid, skipped\) to .*golden\.avro/,
    );
  });

  test('replay --input x.avro writes byte-identical decisions to the JSON-lines replay', async () => {
    const fromJson = join(dir, 'from-json.jsonl');
    const fromAvro = join(dir, 'from-avro.jsonl');
    const a = await cli(['replay', '-i', GOLDEN_INPUT, '-o', fromJson, '--json']);
    const b = await cli([
      'replay',
      '-i',
      avroInput,
      '-o',
      fromAvro,
      '--json',
      '--progress',
      '--progress-every',
      '5000',
    ]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const decisions = readFileSync(fromAvro, 'utf8');
    assert.ok(decisions.length > 0);
    assert.equal(decisions, readFileSync(fromJson, 'utf8'));
    const [sa, sb] = [a.out, b.out].map((o) => JSON.parse(o) as { decisions: unknown; invalid: number });
    assert.deepEqual(sb!.decisions, sa!.decisions);
    assert.equal(sb!.invalid, 0);
    assert.match(b.err, /replay: 5,000 records, \d+ decisions/);
  });

  test('an implausible Avro record is reported by its record number and skipped', async () => {
    const first = parseInputLine(readFileSync(GOLDEN_INPUT, 'utf8').split('\n')[0]!);
    assert.equal(first.type, 'telemetry');
    if (first.type !== 'telemetry') return;
    const path = join(dir, 'implausible.avro');
    const w = openAvroInputWriter(path);
    w.write(first);
    w.write({ type: 'telemetry', event: { ...first.event, latencyMs: 1e12 } });
    await w.close();
    const r = await cli(['replay', '-i', path, '-o', join(dir, 'implausible-decisions.jsonl'), '--json']);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.err,
      /implausible\.avro: record 2: invalid, skipped: TelemetryEvent: field latencyMs: expected at most/,
    );
    assert.equal((JSON.parse(r.out) as { invalid: number }).invalid, 1);
  });

  test('a corrupt Avro input exits 1 naming the file and the block', async () => {
    const bytes = readFileSync(avroInput);
    const corrupt = join(dir, 'corrupt.avro');
    writeFileSync(corrupt, bytes.subarray(0, bytes.length - 7));
    const r = await cli(['replay', '-i', corrupt, '-o', join(dir, 'never.jsonl')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /corrupt\.avro: corrupt Avro file, block \d+ at byte \d+: truncated/);
  });

  test('convert of an unreadable input exits 1 naming it and leaves no output file', async () => {
    const out = join(dir, 'never.avro');
    const r = await cli(['replay', 'convert', join(dir, 'nope.jsonl'), out]);
    assert.equal(r.code, 1);
    assert.match(r.err, /nope\.jsonl: ENOENT/);
    assert.equal(existsSync(out), false);
  });

  test('a mistyped or incomplete convert exits 2 with the usage', async () => {
    const typo = await cli(['replay', 'cnvert', GOLDEN_INPUT, join(dir, 'x.avro')]);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /unknown command 'replay cnvert'.*replay convert/);
    assert.match(typo.err, /Usage: backtrack replay/);
    const missing = await cli(['replay', 'convert', GOLDEN_INPUT]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /missing required argument 'output'/);
    const help = await cli(['replay', '--help']);
    assert.match(help.out, /convert \[options\] <input> <output>|convert <input> <output>/);
    assert.match(help.out, /replay convert events\.jsonl events\.avro/);
  });
});
