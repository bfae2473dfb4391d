/**
 * Golden replay (STYLE.md item 8): test/fixtures/golden-canary.jsonl must produce exactly the decisions
 * recorded in golden-canary.decisions.jsonl. After an intended change of the detection logic, re-record
 * with `UPDATE_GOLDEN=1 node --import tsx --test test/unit/replay-golden.test.ts` and review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { runReplay } from '../../services/cli/replay/run-replay.ts';
import { createReplaySession, type ReplaySummary } from '../../services/detect/replay/index.ts';
import { GOLDEN_DECISIONS, GOLDEN_INPUT } from '../fixtures/make-golden-input.ts';

async function replayGolden(): Promise<{ text: string; summary: ReplaySummary; invalid: number[] }> {
  const chunks: string[] = [];
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const invalid: number[] = [];
  const summary = await runReplay({
    input: { path: GOLDEN_INPUT },
    output,
    session: createReplaySession(),
    onInvalid: (lineNo) => invalid.push(lineNo),
  });
  return { text: chunks.join(''), summary, invalid };
}

test('the golden input replays to the recorded decisions, byte for byte', async () => {
  const { text, summary, invalid } = await replayGolden();
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN_DECISIONS, text);
  const expected = readFileSync(GOLDEN_DECISIONS, 'utf8');
  assert.ok(expected.length > 0, 'the golden decisions file is empty: the fixture should cause decisions');
  assert.equal(text, expected);
  assert.deepEqual(invalid, [101, 1101, 2101]);
  assert.equal(summary.invalid, 3);
  assert.ok(summary.duplicates > 0);
});

test('a second replay of the same input gives the same bytes', async () => {
  const a = await replayGolden();
  const b = await replayGolden();
  assert.equal(a.text, b.text);
  assert.deepEqual(a.summary, b.summary);
});
