/**
 * Fuzzing the replay file reader (line reader + line decoder + session): garbage lines spliced into
 * the golden input are each reported invalid and change nothing in the decisions; random files never
 * crash the reader. Pure apart from streams in memory.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { forEachLine } from '../../services/cli/io/line-reader.ts';
import { ContentError } from '../../services/cli/errors.ts';
import { runReplay } from '../../services/cli/replay/run-replay.ts';
import { parseInputLine } from '../../services/detect/replay/parse-input-line.ts';
import { createReplaySession } from '../../services/detect/replay/index.ts';
import { GOLDEN_DECISIONS, GOLDEN_INPUT } from '../fixtures/make-golden-input.ts';
import { recordResult, tally } from './fault-report.ts';

const goldenLines = readFileSync(GOLDEN_INPUT, 'utf8').trimEnd().split('\n');
const goldenDecisions = readFileSync(GOLDEN_DECISIONS, 'utf8');
const GOLDEN_INVALID = 3;
const sample = JSON.parse(goldenLines[0] ?? '{}') as Record<string, unknown>;

const mutations: Array<[string, (o: Record<string, unknown>) => void]> = [
  ['negative latency', (o) => (o.latencyMs = -1)],
  ['1e308 latency', (o) => (o.latencyMs = 1e308)],
  ['string latency', (o) => (o.latencyMs = 'fast')],
  ['timestamp 1970', (o) => (o.timestamp = 86_400_000)],
  ['timestamp year 33658', (o) => (o.timestamp = 1e15)],
  ['fractional timestamp', (o) => (o.timestamp = 1.5)],
  ['empty tenant', (o) => (o.tenantId = '')],
  ['10 KB tenant', (o) => (o.tenantId = 't'.repeat(10_240))],
  ['missing arm', (o) => delete o.arm],
  ['unknown outcome', (o) => (o.outcome = 'exploded')],
  ['unknown type', (o) => (o.type = 'metrics')],
  ['null record', (o) => Object.keys(o).forEach((k) => (o[k] = null))],
];

const mutated = fc.constantFrom(...mutations).map(([name, mutate]) => {
  const o = structuredClone(sample);
  mutate(o);
  return { kind: name, bytes: Buffer.from(JSON.stringify(o)) };
});
const garbage = fc.uint8Array({ maxLength: 300 }).map((b) => ({
  kind: 'random bytes',
  bytes: Buffer.concat([Buffer.from('x'), Buffer.from(b.filter((c) => c !== 10))]),
}));
const truncatedLine = fc.nat().map((n) => {
  const line = goldenLines[n % goldenLines.length] ?? '';
  return { kind: 'truncated JSON', bytes: Buffer.from(line.slice(0, 1 + (n % (line.length - 2)))) };
});
const jsonNonRecord = fc
  .oneof(
    fc.json(),
    fc.array(fc.integer()).map((a) => JSON.stringify(a)),
  )
  .filter((s) => {
    const v: unknown = JSON.parse(s);
    return v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length < 3;
  })
  .map((s) => ({ kind: 'JSON, not a record', bytes: Buffer.from(s) }));
const badLine = fc.oneof(mutated, garbage, truncatedLine, jsonNonRecord);

async function replay(input: Buffer): Promise<{ text: string; invalid: number }> {
  const chunks: string[] = [];
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  let invalid = 0;
  const stream = Readable.from([input]);
  await runReplay({
    input: { stream, name: 'fuzz.jsonl' },
    output,
    session: createReplaySession(),
    onInvalid: () => invalid++,
  });
  return { text: chunks.join(''), invalid };
}

describe('replay input with garbage lines', () => {
  test('every spliced bad line is reported invalid and the decisions stay byte for byte', async () => {
    const seen = new Map<string, number>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(goldenLines.length), badLine), { minLength: 1, maxLength: 60 }),
        async (inserts) => {
          const lines = goldenLines.map((l) => Buffer.from(l));
          const sorted = [...inserts].sort((a, b) => b[0] - a[0]);
          for (const [at, bad] of sorted) lines.splice(at, 0, bad.bytes);
          const { text, invalid } = await replay(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
          assert.equal(invalid, GOLDEN_INVALID + inserts.length);
          assert.equal(text, goldenDecisions);
          for (const [, bad] of inserts) tally(seen, bad.kind);
          runs++;
        },
      ),
      { numRuns: 8, seed: 12 },
    );
    recordResult(`replay: bad lines spliced into the golden input (${runs} replays)`, seen);
  });

  test('every single bad line is invalid with a reason, never an exception', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(badLine, (bad) => {
        const parsed = parseInputLine(bad.bytes.toString('utf8'));
        assert.equal(parsed.type, 'invalid', bad.kind);
        if (parsed.type === 'invalid') assert.ok(parsed.reason.length > 0);
        tally(seen, bad.kind);
      }),
      { numRuns: 5_000, seed: 13 },
    );
    recordResult('replay: single bad lines decoded', seen);
  });
});

describe('line reader on random files', () => {
  test('counts every line of random bytes; a line over the cap is a ContentError', async () => {
    let files = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 2_000 }), { maxLength: 20 }), async (chunks) => {
        const all = Buffer.concat(chunks);
        const newlines = all.filter((c) => c === 10).length;
        const expected = newlines + (all.length > 0 && all.at(-1) !== 10 ? 1 : 0);
        const seenLines: string[] = [];
        const n = await forEachLine(
          { stream: Readable.from(chunks.map((c) => Buffer.from(c))), name: 'r' },
          (l) => {
            seenLines.push(l);
          },
        );
        assert.equal(n, expected);
        assert.equal(seenLines.length, expected);
        files++;
      }),
      { numRuns: 500, seed: 14 },
    );
    const long = Buffer.alloc(4_096, 0x41);
    await assert.rejects(
      forEachLine({ stream: Readable.from([long, long]), name: 'long' }, () => undefined, 1_024),
      ContentError,
    );
    recordResult('line reader: random files', { files, countsMatched: files, overlongLineRejected: true });
  });

  test('a replay of pure random bytes ends with a summary, every non-blank line invalid', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 20_000 }), async (bytes) => {
        const { text, invalid } = await replay(Buffer.from(bytes));
        assert.equal(text, '');
        const nonBlank = Buffer.from(bytes)
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== '').length;
        assert.equal(invalid, nonBlank);
      }),
      { numRuns: 100, seed: 15 },
    );
  });
});
