import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { forEachLine } from '../../services/cli/io/line-reader.ts';
import { ContentError, FileError } from '../../services/cli/errors.ts';

async function linesOf(chunks: Buffer[]): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  const n = await forEachLine({ stream: Readable.from(chunks), name: 'test' }, (line, no) =>
    out.push([no, line]),
  );
  assert.equal(n, out.length);
  return out;
}

test('cuts lines across chunk boundaries, drops CR before LF, keeps a last line without LF', async () => {
  const text = Buffer.from('{"a":1}\r\n{"b":2}\n\n{"c":3}');
  const chunks = [text.subarray(0, 3), text.subarray(3, 9), text.subarray(9, 20), text.subarray(20)];
  assert.deepEqual(await linesOf(chunks), [
    [1, '{"a":1}'],
    [2, '{"b":2}'],
    [3, ''],
    [4, '{"c":3}'],
  ]);
});

test('decodes UTF-8 split inside a character', async () => {
  const text = Buffer.from('{"t":"zürich €"}\n{"t":"ok"}\n');
  const cut = text.indexOf(0xe2) + 1;
  assert.deepEqual(await linesOf([text.subarray(0, cut), text.subarray(cut)]), [
    [1, '{"t":"zürich €"}'],
    [2, '{"t":"ok"}'],
  ]);
});

test('a line longer than one chunk is reassembled', async () => {
  const long = 'x'.repeat(5000);
  const text = Buffer.from(`${long}\nend\n`);
  const chunks = Array.from({ length: Math.ceil(text.length / 1000) }, (_, i) =>
    text.subarray(i * 1000, (i + 1) * 1000),
  );
  assert.deepEqual(await linesOf(chunks), [
    [1, long],
    [2, 'end'],
  ]);
});

test('a missing file rejects with a FileError naming it; an error of the consumer passes through as is', async () => {
  await assert.rejects(
    forEachLine({ path: '/nonexistent/backtrack.jsonl' }, () => {}),
    (err: unknown) => {
      assert.ok(err instanceof FileError);
      assert.match(err.message, /\/nonexistent\/backtrack\.jsonl: ENOENT/);
      assert.equal(err.retriable, true);
      return true;
    },
  );
  const boom = new RangeError('consumer failed');
  await assert.rejects(
    forEachLine({ stream: Readable.from([Buffer.from('a\nb\n')]), name: 't' }, () => {
      throw boom;
    }),
    (err: unknown) => err === boom,
  );
});

test('drops a UTF-8 byte-order mark at the start of the input', async () => {
  const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n')]);
  assert.deepEqual(await linesOf([text]), [[1, '{"a":1}']]);
});

test('a line over the byte limit fails the read with a ContentError naming the line', async () => {
  const chunks = [Buffer.from('{"a":1}\n'), Buffer.from('x'.repeat(600)), Buffer.from('x'.repeat(600))];
  await assert.rejects(
    forEachLine({ stream: Readable.from(chunks), name: 'big' }, () => {}, 1000),
    (err: unknown) => err instanceof ContentError && /big:2: line longer than 1000 bytes/.test(err.message),
  );
});
