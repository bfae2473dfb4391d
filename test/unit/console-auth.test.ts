import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticate, hasRole, parseTokens } from '../../services/console/auth.ts';
import { loadConsoleConfig } from '../../services/console/config.ts';
import { ConfigError } from '../../services/core/errors.ts';

const A = 'approver-token-0123456789';
const V = 'viewer-token-0123456789ab';

describe('console tokens', () => {
  test('parses name:role:token entries and authenticates a bearer header to its name and role', () => {
    const parsed = parseTokens(`alice:approver:${A}, view:viewer:${V}`);
    assert.ok(parsed.ok);
    assert.deepEqual(authenticate(parsed.tokens, `Bearer ${A}`), { name: 'alice', role: 'approver' });
    assert.deepEqual(authenticate(parsed.tokens, `bearer ${V}`), { name: 'view', role: 'viewer' });
    assert.equal(authenticate(parsed.tokens, `Bearer ${A}x`), undefined);
    assert.equal(authenticate(parsed.tokens, A), undefined, 'no scheme');
    assert.equal(authenticate(parsed.tokens, undefined), undefined);
    assert.ok(
      parsed.tokens.every((t) => t.hash.length === 32),
      'only hashes kept',
    );
  });

  test('accepts the JSON form, and a token containing colons', () => {
    const parsed = parseTokens(
      JSON.stringify([{ name: 'ops', role: 'operator', token: 'a:b:c:0123456789abcdef' }]),
    );
    assert.ok(parsed.ok);
    assert.deepEqual(authenticate(parsed.tokens, 'Bearer a:b:c:0123456789abcdef'), {
      name: 'ops',
      role: 'operator',
    });
    const compact = parseTokens('ops:operator:a:b:c:0123456789abcdef');
    assert.ok(compact.ok);
    assert.deepEqual(authenticate(compact.tokens, 'Bearer a:b:c:0123456789abcdef')?.name, 'ops');
  });

  test('rejects bad settings by entry position, never echoing a token', () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /at least one/],
      [`alice:root:${A}`, /entry 1: role: one of viewer, operator, approver/],
      [`alice:viewer:short`, /entry 1: token: at least 16/],
      [`alice:viewer:${A},alice:approver:${V}`, /names must be unique/],
      [`alice:viewer:${A},bob:approver:${A}`, /tokens must be unique/],
      ['[{"name":', /JSON array/],
    ];
    for (const [raw, expected] of cases) {
      const r = parseTokens(raw);
      assert.equal(r.ok, false, String(raw));
      if (!r.ok) {
        assert.match(r.issue, expected);
        assert.ok(!r.issue.includes(A) && !r.issue.includes('short'), 'no token in the message');
      }
    }
  });

  test('roles are ordered viewer < operator < approver', () => {
    assert.ok(hasRole('approver', 'operator'));
    assert.ok(hasRole('operator', 'viewer'));
    assert.ok(!hasRole('viewer', 'operator'));
    assert.ok(!hasRole('operator', 'approver'));
  });

  test('a bad BACKTRACK_CONSOLE_TOKENS fails the config, naming the key', () => {
    assert.throws(
      () => loadConsoleConfig({ BACKTRACK_CONSOLE_TOKENS: 'alice:admin:0123456789abcdefgh' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /^BACKTRACK_CONSOLE_TOKENS: entry 1: role/m.test(e.message) &&
        !e.message.includes('0123456789abcdefgh'),
    );
    assert.throws(
      () => loadConsoleConfig({ BACKTRACK_CONSOLE_TOKENS: `a:viewer:${V}`, BACKTRACK_CONSOLE_PORT: 'x' }),
      /BACKTRACK_CONSOLE_PORT: expected integer/,
    );
    const ok = loadConsoleConfig({
      BACKTRACK_CONSOLE_TOKENS: `a:viewer:${V}`,
      BACKTRACK_CONSOLE_POINTS: '50',
    });
    assert.equal(ok.limits.pointsPerSeries, 50);
    assert.equal(ok.port, 8080);
  });
});
