import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOLDEN_INPUT } from '../fixtures/make-golden-input.ts';
import { cli } from './cli-run.ts';

/** stderr without the parts that measure time */
const timeless = (err: string): string =>
  err
    .replace(/ in [\d.]+ s, [\d,]+ records\/s/g, '')
    .replace(/, [\d,]+ (line|record)s\/s$/gm, '')
    .replace(/\d+ ms/g, '');

interface Run {
  decisions: string;
  summary: Record<string, unknown>;
  err: string;
}

let dir = '';
let avroInput = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backtrack-pipeline-'));
  avroInput = join(dir, 'golden.avro');
  const r = await cli(['replay', 'convert', GOLDEN_INPUT, avroInput]);
  assert.equal(r.code, 0, r.err);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function replay(input: string, threads: 1 | 2): Promise<Run> {
  const out = join(dir, `decisions-${threads}-${input.endsWith('.avro') ? 'avro' : 'jsonl'}.jsonl`);
  const r = await cli([
    'replay',
    '-i',
    input,
    '-o',
    out,
    '--json',
    '--threads',
    String(threads),
    '--progress',
    '--progress-every',
    '2000',
  ]);
  assert.equal(r.code, 0, r.err);
  const { elapsedMs, ...summary } = JSON.parse(r.out) as Record<string, unknown>;
  assert.equal(typeof elapsedMs, 'number');
  return { decisions: readFileSync(out, 'utf8'), summary, err: timeless(r.err) };
}

describe('backtrack replay --threads 2 (stage 1 on a worker thread)', () => {
  for (const kind of ['jsonl', 'avro'] as const) {
    test(`gives byte-identical decisions, summary and reports to --threads 1 (${kind})`, async () => {
      const input = kind === 'avro' ? avroInput : GOLDEN_INPUT;
      const one = await replay(input, 1);
      const two = await replay(input, 2);
      assert.ok(one.decisions.length > 0);
      assert.equal(two.decisions, one.decisions);
      assert.equal(two.decisions, readFileSync(GOLDEN_INPUT.replace(/\.jsonl$/, '.decisions.jsonl'), 'utf8'));
      assert.deepEqual(two.summary, one.summary);
      assert.ok((one.summary.snapshots as number) > 0);
      assert.equal(two.err, one.err);
      assert.match(two.err, /replay: 10,000 (line|record)s, \d+ decisions/);
      if (kind === 'jsonl') assert.match(two.err, /golden-canary\.jsonl:101: invalid, skipped: bad JSON/);
    });
  }

  test('a corrupt Avro input fails with the same message and exit code on both paths', async () => {
    const bytes = readFileSync(avroInput);
    const corrupt = join(dir, 'corrupt.avro');
    writeFileSync(corrupt, bytes.subarray(0, bytes.length - 7));
    const runs = await Promise.all(
      [1, 2].map((t) =>
        cli(['replay', '-i', corrupt, '-o', join(dir, `never-${t}.jsonl`), '--threads', String(t)]),
      ),
    );
    for (const r of runs) {
      assert.equal(r.code, 1);
      assert.match(r.err, /corrupt\.avro: corrupt Avro file, block \d+ at byte \d+: truncated/);
    }
    assert.equal(runs[1]!.err, runs[0]!.err);
  });

  test('a missing input fails with the same file error on both paths', async () => {
    const missing = join(dir, 'nope.avro');
    const runs = await Promise.all(
      [1, 2].map((t) => cli(['replay', '-i', missing, '-o', join(dir, 'x.jsonl'), '--threads', String(t)])),
    );
    for (const r of runs) {
      assert.equal(r.code, 1);
      assert.match(r.err, /nope\.avro: ENOENT/);
    }
  });

  test('--threads takes 1 or 2 only', async () => {
    const r = await cli(['replay', '-i', GOLDEN_INPUT, '--threads', '3']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--threads <n>.*expected 1 or 2/);
    const help = await cli(['replay', '--help']);
    assert.match(help.out, /--threads <n>/);
  });
});
