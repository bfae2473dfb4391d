import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOLDEN_INPUT } from '../fixtures/make-golden-input.ts';
import { cli } from './cli-run.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'backtrack-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('backtrack CLI', () => {
  test('--help lists the replay command and exits 0', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: backtrack/);
    assert.match(r.out, /replay/);
  });

  test('replay --help lists its options and exits 0', async () => {
    const r = await cli(['replay', '--help']);
    assert.equal(r.code, 0);
    for (const opt of ['--input <file>', '--output <file>', '--policy <file>', '--json', '--progress'])
      assert.ok(r.out.includes(opt), opt);
  });

  test('help replay exits 0; a bare backtrack prints the usage and exits 2', async () => {
    const help = await cli(['help', 'replay']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: backtrack replay/);
    const bare = await cli([]);
    assert.equal(bare.code, 2);
    assert.match(bare.err, /Usage: backtrack/);
  });

  test('a mistyped command exits 2 with a suggestion and the usage', async () => {
    const r = await cli(['replya']);
    assert.equal(r.code, 2);
    assert.match(r.err, /Did you mean replay\?/);
    assert.match(r.err, /Usage: backtrack/);
  });

  test('an unknown option exits 2 with the command usage', async () => {
    const r = await cli(['replay', '-i', GOLDEN_INPUT, '--inptu', 'x.jsonl']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option '--inptu'/);
    assert.match(r.err, /Usage: backtrack replay/);
  });

  test('a missing --input exits 2', async () => {
    const r = await cli(['replay']);
    assert.equal(r.code, 2);
    assert.match(r.err, /required option '-i, --input <file>' not specified/);
  });

  test('--json with decisions on stdout is a usage error', async () => {
    const r = await cli(['replay', '-i', GOLDEN_INPUT, '--json']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--json writes the summary on stdout/);
  });

  test('an unreadable input exits 1 naming the file', async () => {
    const r = await cli(['replay', '-i', join(dir, 'nope.jsonl'), '-o', join(dir, 'd.jsonl')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /nope\.jsonl: ENOENT/);
  });

  test('an invalid policy exits 1 with its line and key, before any output is written', async () => {
    const policy = join(dir, 'bad-policy.yaml');
    writeFileSync(policy, 'version: 1\nmode: sometimes\n');
    const out = join(dir, 'never.jsonl');
    const r = await cli(['replay', '-i', GOLDEN_INPUT, '-o', out, '-p', policy]);
    assert.equal(r.code, 1);
    assert.match(r.err, /invalid policy: .*bad-policy\.yaml:2 mode/);
    assert.equal(existsSync(out), false);
  });

  test('replays a file: decisions to --output, invalid lines and summary on stderr, --json summary on stdout', async () => {
    const out = join(dir, 'decisions.jsonl');
    const r = await cli(['replay', '-i', GOLDEN_INPUT, '-o', out, '--json']);
    assert.equal(r.code, 0, r.err);
    const decisions = readFileSync(out, 'utf8').trim().split('\n');
    const summary = JSON.parse(r.out) as { records: number; invalid: number; decisions: { total: number } };
    assert.equal(decisions.length, summary.decisions.total);
    assert.equal(summary.invalid, 3);
    assert.match(r.err, /golden-canary\.jsonl:101: invalid, skipped: bad JSON/);
    assert.match(
      r.err,
      /golden-canary\.jsonl:1101: invalid, skipped: TelemetryEvent: field tenantTier: expected string, missing/,
    );
    assert.match(
      r.err,
      /golden-canary\.jsonl:2101: invalid, skipped: EvalEvent: field judgeScore: expected a ratio in 0\.\.1, got 7/,
    );
    assert.match(r.err, /^replay: [\d,]+ records/m);
  });

  test('reads stdin with --input - and reports progress with --progress', async () => {
    const lines = readFileSync(GOLDEN_INPUT, 'utf8');
    const out = join(dir, 'stdin-decisions.jsonl');
    const r = await cli(['replay', '-i', '-', '-o', out, '--progress', '--progress-every', '2000'], lines);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /replay: 2,000 lines, \d+ decisions/);
    assert.match(r.err, /replay: 4,000 lines/);
    assert.match(r.err, /stdin:101: invalid, skipped/);
  });

  test('--max-invalid-reports caps the per-line reports and counts the rest', async () => {
    const r = await cli([
      'replay',
      '-i',
      GOLDEN_INPUT,
      '-o',
      join(dir, 'x.jsonl'),
      '--max-invalid-reports',
      '1',
    ]);
    assert.equal(r.code, 0);
    assert.equal(r.err.match(/invalid, skipped/g)?.length, 1);
    assert.match(r.err, /2 more invalid lines not shown/);
  });

  test('the installed bin exits 2 on a bad option and 0 on --help', () => {
    const bin = join(import.meta.dirname, '../../bin/backtrack.js');
    const bad = spawnSync(process.execPath, [bin, 'replay', '--nope'], { encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /replay/);
  });
});
