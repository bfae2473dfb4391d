import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Bundle } from '../../schemas/types.ts';
import {
  bundleIdOf,
  canonicalBundleContent,
  canonicalJson,
  checkToolContract,
  hasValidBundleId,
  isTierSupported,
  registerBundle,
  toolSchemaMajor,
} from '../../services/registry/index.ts';
import { add, baseInput, T0 } from './reversion-fixtures.ts';

describe('canonicalJson', () => {
  test('sorts keys at every depth, including integer-like keys, by code unit', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, '10': 0, '9': 0 }),
      '{"10":0,"9":0,"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  test('refuses values JSON cannot carry', () => {
    assert.throws(() => canonicalJson({ x: Number.NaN }), /non-finite/);
    assert.throws(() => canonicalJson(new Date(0)), /plain objects/);
  });

  test('is the same for any key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        assert.equal(canonicalJson(reversed), canonicalJson(obj));
        assert.deepEqual(JSON.parse(canonicalJson(obj)), JSON.parse(JSON.stringify(obj)));
      }),
    );
  });
});

describe('bundle content and id', () => {
  test('config becomes canonical JSON, tiers sorted and deduped, metadata excluded', () => {
    const c = canonicalBundleContent({
      ...baseInput,
      config: { z: 1, a: { y: 2, b: 3 } },
      supportedTiers: ['pro', 'free', 'pro'],
    });
    assert.equal(c.config, '{"a":{"b":3,"y":2},"z":1}');
    assert.deepEqual(c.supportedTiers, ['free', 'pro']);
    assert.equal(c.parentBundleId, null);
    assert.equal('registeredAt' in c, false);
  });

  test('id is b- plus 16 hex chars, stable across key order and config given as text', () => {
    const a = bundleIdOf(canonicalBundleContent({ ...baseInput, config: { b: 1, a: 2 } }));
    const b = bundleIdOf(canonicalBundleContent({ ...baseInput, config: '{ "a": 2, "b": 1 }' }));
    assert.match(a, /^b-[0-9a-f]{16}$/);
    assert.equal(a, b);
    assert.notEqual(a, bundleIdOf(canonicalBundleContent({ ...baseInput, stateVersion: 's2' })));
  });

  test('invalid input names the field', () => {
    assert.throws(
      () => canonicalBundleContent({ ...baseInput, modelId: '  ' }),
      /modelId: must be a non-empty string/,
    );
    assert.throws(
      () => canonicalBundleContent({ ...baseInput, supportedTiers: [] }),
      /supportedTiers: must name at least one tier/,
    );
    assert.throws(
      () => canonicalBundleContent({ ...baseInput, config: '[1,2]' }),
      /config: must be a JSON object/,
    );
    assert.throws(
      () => canonicalBundleContent({ ...baseInput, config: '{oops' }),
      /config: is not valid JSON/,
    );
  });
});

describe('registerBundle', () => {
  test('creates, then the same content again is a no-op returning the stored bundle', () => {
    const table = new Map<string, Bundle>();
    const first = registerBundle(table, baseInput, 'alice', T0);
    assert.equal(first.verdict, 'created');
    if (first.verdict !== 'created') return;
    assert.equal(first.bundle.registeredBy, 'alice');
    assert.equal(first.bundle.registeredAt, T0);
    assert.ok(hasValidBundleId(first.bundle));
    table.set(first.bundle.bundleId, first.bundle);
    const again = registerBundle(
      table,
      { ...baseInput, config: { tools: { search: true }, temperature: 0.2 } },
      'bob',
      T0 + 5,
    );
    assert.deepEqual(again, { verdict: 'exists', bundle: first.bundle });
  });

  test('refuses an unknown parent', () => {
    const v = registerBundle(new Map(), { ...baseInput, parentBundleId: 'b-0000000000000000' }, 'alice', T0);
    assert.equal(v.verdict, 'refused');
    assert.equal(v.verdict === 'refused' && v.reason, 'unknown_parent');
  });

  test('accepts a known parent', () => {
    const table = new Map<string, Bundle>();
    const parent = add(table, baseInput);
    const child = registerBundle(
      table,
      { ...baseInput, modelId: 'gpt-y', parentBundleId: parent.bundleId },
      'alice',
      T0,
    );
    assert.equal(child.verdict, 'created');
  });

  test('refuses content that would overwrite a tampered entry under its id', () => {
    const table = new Map<string, Bundle>();
    const b = add(table, baseInput);
    table.set(b.bundleId, { ...b, promptTemplateHash: 'tampered' });
    const v = registerBundle(table, baseInput, 'alice', T0);
    assert.equal(v.verdict, 'refused');
    assert.equal(v.verdict === 'refused' && v.reason, 'id_conflict');
    assert.equal(hasValidBundleId(table.get(b.bundleId)!), false);
  });

  test('invalid input and metadata are verdicts naming the field', () => {
    const v = registerBundle(new Map(), { ...baseInput, toolSchemaVersion: 3 }, 'alice', T0);
    assert.equal(v.verdict, 'invalid');
    assert.equal(v.verdict === 'invalid' && v.issues[0]?.field, 'toolSchemaVersion');
    const m = registerBundle(new Map(), baseInput, ' ', Number.NaN);
    assert.deepEqual(m.verdict === 'invalid' && m.issues.map((i) => i.field), ['actor', 'nowMs']);
  });
});

describe('compatibility', () => {
  test('tool schema majors', () => {
    assert.equal(toolSchemaMajor('3.2.0'), 3);
    assert.equal(toolSchemaMajor('v3'), 3);
    assert.equal(toolSchemaMajor('v10.1.2-rc.1'), 10);
    assert.equal(toolSchemaMajor('2024-01'), null);
  });

  test('same major is compatible, another major or an unparseable mismatch is not', () => {
    assert.deepEqual(checkToolContract('3.2.0', 'v3'), { compatible: true });
    assert.equal(checkToolContract('3.2.0', '4.0.0').compatible, false);
    assert.equal(checkToolContract('tools-a', 'tools-b').compatible, false);
    assert.equal(checkToolContract('tools-a', 'tools-a').compatible, true);
  });

  test('tier support is an exact match', () => {
    assert.equal(isTierSupported({ supportedTiers: ['pro', 'free'] }, 'pro'), true);
    assert.equal(isTierSupported({ supportedTiers: ['pro', 'free'] }, 'enterprise'), false);
  });
});
