/**
 * The one contract suite of `KeyValueStore` (STYLE item 6): every implementation and every stack of
 * wrappers runs these same tests. Call `keyValueStoreContract(harness)` from a test file.
 */
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KeyValueStore } from '../../services/core/stores/key-value-store.ts';
import { ProgrammerError } from '../../services/core/errors.ts';

export interface StoreHarness {
  readonly name: string;
  /** A new, empty store. */
  open(): Promise<KeyValueStore>;
  /** For persistent stores: close `store` and open the same data again. */
  reopen?(store: KeyValueStore): Promise<KeyValueStore>;
}

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const s = (text: string): Buffer => Buffer.from(text);

async function entries(
  store: KeyValueStore,
  range?: { gte?: Buffer; lt?: Buffer },
): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const { key, value } of store.range(range))
    out.push([key.toString('hex'), value.toString('hex')]);
  return out;
}

export function keyValueStoreContract(harness: StoreHarness): void {
  describe(`KeyValueStore contract: ${harness.name}`, () => {
    let open: KeyValueStore[] = [];
    const fresh = async (): Promise<KeyValueStore> => {
      const store = await harness.open();
      open.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of open) await store.close().catch(() => undefined);
      open = [];
    });

    test('get of an absent key is undefined', async () => {
      const store = await fresh();
      assert.equal(await store.get(s('nope')), undefined);
    });

    test('put then get returns the bytes; a second put replaces them', async () => {
      const store = await fresh();
      await store.put(s('k'), s('v1'));
      assert.deepEqual(await store.get(s('k')), s('v1'));
      await store.put(s('k'), s('v2'));
      assert.deepEqual(await store.get(s('k')), s('v2'));
    });

    test('an empty value is stored and differs from an absent key', async () => {
      const store = await fresh();
      await store.put(s('k'), Buffer.alloc(0));
      assert.deepEqual(await store.get(s('k')), Buffer.alloc(0));
    });

    test('delete removes the key; deleting an absent key is fine', async () => {
      const store = await fresh();
      await store.put(s('k'), s('v'));
      await store.delete(s('k'));
      await store.delete(s('never'));
      assert.equal(await store.get(s('k')), undefined);
      assert.deepEqual(await entries(store), []);
    });

    test('mutating the buffers passed in or returned does not change the store', async () => {
      const store = await fresh();
      const key = s('k');
      const value = s('abc');
      await store.put(key, value);
      value.fill(0);
      key.fill(0x41);
      const got = await store.get(s('k'));
      assert.deepEqual(got, s('abc'));
      got?.fill(0);
      assert.deepEqual(await store.get(s('k')), s('abc'));
    });

    test('range yields every entry in ascending byte order of key', async () => {
      const store = await fresh();
      const keys = [b(0xff), b(0x80), s('ab'), s('a'), b(0x61, 0x00), b(0x00), b(0x7f), b(0xff, 0xff)];
      for (const [i, k] of keys.entries()) await store.put(k, b(i));
      const sorted = [...keys].sort(Buffer.compare).map((k) => k.toString('hex'));
      assert.deepEqual(
        (await entries(store)).map(([k]) => k),
        sorted,
      );
    });

    test('range bounds: gte is inclusive, lt exclusive, an inverted range is empty', async () => {
      const store = await fresh();
      for (const k of ['a', 'b', 'c', 'd']) await store.put(s(k), s(k.toUpperCase()));
      const keys = async (range: { gte?: Buffer; lt?: Buffer }) =>
        (await entries(store, range)).map(([k]) => Buffer.from(k, 'hex').toString());
      assert.deepEqual(await keys({ gte: s('b'), lt: s('d') }), ['b', 'c']);
      assert.deepEqual(await keys({ gte: s('bb') }), ['c', 'd']);
      assert.deepEqual(await keys({ lt: s('b') }), ['a']);
      assert.deepEqual(await keys({ gte: s('c'), lt: s('b') }), []);
    });

    test('write applies puts and deletes in order', async () => {
      const store = await fresh();
      await store.put(s('gone'), s('x'));
      await store.write([
        { key: s('a'), value: s('1') },
        { key: s('a'), value: null },
        { key: s('b'), value: null },
        { key: s('b'), value: s('2') },
        { key: s('gone'), value: null },
      ]);
      assert.deepEqual(await entries(store), [[s('b').toString('hex'), s('2').toString('hex')]]);
    });

    test('clear removes every entry', async () => {
      const store = await fresh();
      for (let i = 0; i < 20; i++) await store.put(s(`k${i}`), s('v'));
      await store.clear();
      assert.deepEqual(await entries(store), []);
      await store.put(s('after'), s('v'));
      assert.deepEqual(await store.get(s('after')), s('v'));
    });

    test('an empty key is refused as a programmer error', async () => {
      const store = await fresh();
      await assert.rejects(() => store.put(Buffer.alloc(0), s('v')), ProgrammerError);
    });

    test('2 000 keys come back complete and ordered after flush', async () => {
      const store = await fresh();
      const keys = Array.from({ length: 2000 }, (_, i) => Buffer.from(`key-${(i * 7919) % 2000}`));
      for (let i = 0; i < keys.length; i += 100) {
        await store.write(keys.slice(i, i + 100).map((key) => ({ key, value: key })));
      }
      await store.flush();
      const got = await entries(store);
      assert.equal(got.length, 2000);
      assert.deepEqual(
        got.map(([k]) => k),
        [...keys].sort(Buffer.compare).map((k) => k.toString('hex')),
      );
      assert.ok(got.every(([k, v]) => k === v));
    });

    if (harness.reopen !== undefined) {
      const reopen = harness.reopen;
      test('flushed entries survive close and reopen', async () => {
        const store = await fresh();
        await store.put(s('kept'), s('v'));
        await store.put(s('dropped'), s('v'));
        await store.delete(s('dropped'));
        await store.flush();
        const again = await reopen(store);
        open.push(again);
        assert.deepEqual(await entries(again), [[s('kept').toString('hex'), s('v').toString('hex')]]);
      });
    }

    test('behaves like a sorted map under random operations', async () => {
      const key = fc
        .uint8Array({ minLength: 1, maxLength: 3 })
        .map((a) => Buffer.from(a.map((x) => [0, 1, 0x7f, 0x80, 0xfe][x % 5] ?? 0)));
      const op = fc.oneof(
        fc.record({ kind: fc.constant('put' as const), key, value: fc.uint8Array({ maxLength: 4 }) }),
        fc.record({ kind: fc.constant('delete' as const), key }),
        fc.record({ kind: fc.constant('get' as const), key }),
        fc.record({ kind: fc.constant('flush' as const) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
          const store = await harness.open();
          try {
            const model = new Map<string, string>();
            for (const o of ops) {
              if (o.kind === 'put') {
                await store.put(o.key, Buffer.from(o.value));
                model.set(o.key.toString('hex'), Buffer.from(o.value).toString('hex'));
              } else if (o.kind === 'delete') {
                await store.delete(o.key);
                model.delete(o.key.toString('hex'));
              } else if (o.kind === 'get') {
                assert.equal((await store.get(o.key))?.toString('hex'), model.get(o.key.toString('hex')));
              } else {
                await store.flush();
              }
            }
            const expected = [...model].sort(([a], [c]) =>
              Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(c, 'hex')),
            );
            assert.deepEqual(await entries(store), expected);
          } finally {
            await store.close();
          }
        }),
        { numRuns: 40 },
      );
    });
  });
}
