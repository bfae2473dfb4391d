import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteReader, ByteWriter, TenantStateDecodeError } from '../../services/detect/aggregate/byte-io.ts';
import { IdHashSet } from '../../services/detect/aggregate/id-hash-set.ts';

function encode(set: IdHashSet): Buffer {
  const w = new ByteWriter();
  set.write(w);
  return w.finish();
}

describe('IdHashSet', () => {
  test('answers add and has like a Set<string> (growth included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uuid(), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary' })), {
          maxLength: 300,
        }),
        (ids) => {
          const set = new IdHashSet();
          const model = new Set<string>();
          for (const id of ids) {
            assert.equal(set.has(id), model.has(id));
            assert.equal(set.add(id), !model.has(id));
            model.add(id);
            assert.equal(set.size, model.size);
          }
          for (const id of ids) assert.ok(set.has(id));
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  test('8 bytes per id on the wire; a read set re-encodes to the same bytes and knows the same ids', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `0b6f${i}-4e2a-8b1c-9d3e-2f1a6c7b8d9e`);
    const set = IdHashSet.of(ids);
    const bytes = encode(set);
    assert.equal(bytes.length, 2 + 8 * ids.length);
    const r = new ByteReader(bytes);
    const back = IdHashSet.read(r);
    r.end();
    assert.deepEqual(encode(back), bytes);
    assert.equal(back.size, ids.length);
    for (const id of ids) assert.ok(back.has(id));
    assert.ok(!back.has('0b6f1000-4e2a-8b1c-9d3e-2f1a6c7b8d9e'));
  });

  test('a count beyond the bytes left is a TenantStateDecodeError, not an allocation', () => {
    const w = new ByteWriter();
    w.uvar(2 ** 40);
    assert.throws(() => IdHashSet.read(new ByteReader(w.finish())), TenantStateDecodeError);
  });

  test('no collision among 1 M distinct UUID-like ids (64-bit hash)', () => {
    const set = new IdHashSet();
    for (let i = 0; i < 1_000_000; i++)
      assert.ok(set.add(`${(i * 2_654_435_761) % 4_294_967_291}-4e2a-${i}`));
    assert.equal(set.size, 1_000_000);
  });
});
