import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMap, isScalar, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import {
  defaultPolicy,
  defaultPolicyText,
  parsePolicy,
  PolicyError,
} from '../../services/detect/policy/index.ts';

const TEXT = defaultPolicyText();

function expectError(text: string, check: (e: PolicyError) => void): void {
  assert.throws(
    () => parsePolicy(text, 'policy.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof PolicyError, String(e));
      assert.equal(e.retriable, false);
      check(e);
      return true;
    },
  );
}

/** 1-based line of the n-th occurrence of `needle` */
function lineOf(text: string, needle: string, nth = 1): number {
  let at = -1;
  for (let i = 0; i < nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not in text`);
  return text.slice(0, at).split('\n').length;
}

/** every numeric leaf of the default policy with its key path and 1-based line */
function numericLeaves(): { path: string[]; line: number; start: number; end: number }[] {
  const lc = new LineCounter();
  const doc = parseDocument(TEXT, { lineCounter: lc });
  const out: { path: string[]; line: number; start: number; end: number }[] = [];
  const walk = (map: YAMLMap, path: string[]) => {
    for (const pair of map.items) {
      if (!isScalar(pair.key)) continue;
      const p = [...path, String(pair.key.value)];
      if (isMap(pair.value)) walk(pair.value, p);
      else if (isScalar(pair.value) && typeof pair.value.value === 'number') {
        const [start, end] = pair.value.range!;
        out.push({ path: p, line: lc.linePos(pair.key.range![0]).line, start, end });
      }
    }
  };
  walk(doc.contents as YAMLMap, []);
  return out;
}

describe('policy parser', () => {
  test('the product seed defaults', () => {
    const p = defaultPolicy();
    assert.equal(p.mode, 'enforce');
    assert.deepEqual(Object.keys(p.tiers), ['enterprise', 'pro', 'free']);
    const e = p.tiers.enterprise!;
    assert.deepEqual(e.latency.flag, { p95Ratio: 1.3, windowMs: 900_000 });
    assert.deepEqual(e.latency.act, { p95Ratio: 1.5, windowMs: 600_000 });
    assert.equal(e.cost.actRatio, 1.4);
    const [ent, pro, free] = ['enterprise', 'pro', 'free'].map((t) => p.tiers[t]!.errors);
    assert.ok(ent!.maxRate < pro!.maxRate && pro!.maxRate < free!.maxRate);
    assert.ok(ent!.actDelta < pro!.actDelta && pro!.actDelta < free!.actDelta);
    assert.ok(p.tiers.free!.minSamples.candidate > 11);
    assert.deepEqual(p.windows, {
      subWindowMs: 60_000,
      windowMs: 300_000,
      allowedLatenessMs: 120_000,
      historyMs: 3_600_000,
      piiFlagThreshold: 0.5,
    });
    assert.deepEqual(p.statistics.cusum, { k: 0.5, h: 5 });
    assert.ok(p.statistics.zAct > p.statistics.zFlag);
    assert.equal(p.approval.onTimeout, 'execute');
    assert.deepEqual(p.hysteresis, { confirmWindows: 2, recoverWindows: 5 });
  });

  test('a wrong type names the file, line and key path', () => {
    const text = TEXT.replace('errors: { maxRate: 0.02,', 'errors: { maxRate: "two percent",');
    const line = lineOf(text, 'errors: { maxRate: "two');
    expectError(text, (e) => {
      assert.equal(e.message, `policy.yaml:${line} tiers.enterprise.errors.maxRate: expected number`);
      assert.equal(e.key, 'tiers.enterprise.errors.maxRate');
      assert.equal(e.line, line);
      assert.equal(e.source, 'policy.yaml');
    });
  });

  test('an unknown key is rejected at its own line, nested or top-level', () => {
    const nested = TEXT.replace('  pro:\n', '  pro:\n    latencyy: 3\n');
    expectError(nested, (e) => {
      assert.equal(e.key, 'tiers.pro.latencyy');
      assert.equal(e.line, lineOf(nested, 'latencyy'));
      assert.match(e.message, /unknown key$/);
    });
    expectError(`${TEXT}\nextra: true\n`, (e) => assert.equal(e.key, 'extra'));
    const inBreadth = TEXT.replace('pool: { minTenants: 5 }', 'pool: { minTenants: 5, maxTenants: 9 }');
    expectError(inBreadth, (e) => assert.equal(e.key, 'breadth.pool.maxTenants'));
    const inHalt = TEXT.replace('minTiers: 2 }', 'minTiers: 2, quorum: 3 }');
    expectError(inHalt, (e) => assert.equal(e.key, 'breadth.haltRollout.quorum'));
  });

  test('a missing key, a bad enum and inconsistent thresholds', () => {
    const missing = TEXT.replace(/\n {2}historyMs: .*\n/, '\n');
    expectError(missing, (e) => {
      assert.equal(e.key, 'windows.historyMs');
      assert.match(e.message, /missing \(expected number\)/);
      assert.equal(e.line, lineOf(missing, 'windows:'));
    });
    expectError(TEXT.replace('mode: enforce', 'mode: dry'), (e) =>
      assert.match(e.message, /mode: expected one of enforce \| observe/),
    );
    expectError(TEXT.replace(/zAct: [\d.]+/, 'zAct: 2'), (e) => assert.equal(e.key, 'statistics.zAct'));
    const window = TEXT.replace(
      'act: { p95Ratio: 1.5, windowMs: 600000 }',
      'act: { p95Ratio: 1.5, windowMs: 420000 }',
    );
    expectError(window, (e) => assert.equal(e.key, 'tiers.enterprise.latency.act.windowMs'));
    expectError(TEXT.replace('defaultTier: free', 'defaultTier: gold'), (e) =>
      assert.equal(e.key, 'defaultTier'),
    );
  });

  test('a YAML syntax error names its line', () => {
    const text = TEXT.replace('windows: #', 'windows: [ #');
    expectError(text, (e) => assert.ok(e.line >= lineOf(text, 'windows: [') && e.line > 0));
    const dup = TEXT.replace('version: 1', 'version: 1\nversion: 1');
    expectError(dup, (e) => assert.equal(e.line, lineOf(dup, 'version: 1', 2)));
  });

  test('tiers are configurable', () => {
    const enterprise = TEXT.slice(TEXT.indexOf('  enterprise:\n'), TEXT.indexOf('  pro:\n'));
    const text = TEXT.replace(
      'tiers:\n',
      `tiers:\n${enterprise.replace('enterprise:', 'platinum:').replace('breadthWeight: 3', 'breadthWeight: 5')}`,
    );
    const p = parsePolicy(text, 'policy.yaml');
    assert.deepEqual(Object.keys(p.tiers), ['platinum', 'enterprise', 'pro', 'free']);
    assert.equal(p.tiers.platinum!.breadthWeight, 5);
  });

  test('every numeric setting given a string fails with its key path and line', () => {
    const leaves = numericLeaves().filter((l) => l.path.join('.') !== 'version');
    assert.ok(leaves.length > 100);
    for (const leaf of leaves) {
      const text = `${TEXT.slice(0, leaf.start)}"oops"${TEXT.slice(leaf.end)}`;
      expectError(text, (e) => {
        assert.equal(e.key, leaf.path.join('.'));
        assert.equal(e.line, leaf.line);
        assert.match(e.message, /: expected number$/);
      });
    }
    expectError(TEXT.replace('version: 1', 'version: 2'), (e) =>
      assert.equal(e.message, 'policy.yaml:4 version: expected one of 1'),
    );
  });
});
