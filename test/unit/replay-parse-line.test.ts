import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInputLine } from '../../services/detect/replay/parse-input-line.ts';

const telemetry = {
  eventId: 'e1',
  timestamp: 1_735_689_600_000,
  tenantId: 't1',
  tenantTier: 'pro',
  gatewayId: 'gw-1',
  bundleId: 'b-1',
  arm: 'canary',
  latencyMs: 812.5,
  inputTokens: 700,
  outputTokens: 250,
  costUsd: 0.0043,
  outcome: 'ok',
  toolCallsAttempted: 1,
  toolCallsSucceeded: 1,
  outputChars: 1000,
  refusal: false,
  retried: false,
  feedback: 'none',
  policyViolation: false,
};

const evalEvent = {
  type: 'eval',
  evalId: 'j1',
  timestamp: 1_735_689_601_000,
  tenantId: 't1',
  requestEventId: 'e1',
  bundleId: 'b-2',
  baselineBundleId: 'b-1',
  arm: 'canary',
  judgeScore: 0.8,
  evaluator: 'judge-v1',
};

const line = (o: object): string => JSON.stringify(o);

describe('parseInputLine', () => {
  test('decodes a telemetry line without type and fills absent optional fields with null', () => {
    const r = parseInputLine(line(telemetry));
    assert.equal(r.type, 'telemetry');
    if (r.type !== 'telemetry') return;
    assert.equal(r.event.latencyMs, 812.5);
    assert.equal(r.event.sessionId, null);
    assert.equal(r.event.piiScore, null);
    assert.equal(r.event.taskCompleted, null);
  });

  test('decodes eval and rollout lines by their type field', () => {
    const e = parseInputLine(line(evalEvent));
    assert.equal(e.type, 'eval');
    if (e.type === 'eval') assert.equal(e.event.semanticSimilarity, null);
    const r = parseInputLine(
      line({
        type: 'rollout',
        commandId: 'c1',
        rolloutId: 'r1',
        action: 'start',
        candidateBundleId: 'b-2',
        baselineBundleId: 'b-1',
        actor: 'ops',
        issuedAt: 1_735_689_600_000,
      }),
    );
    assert.equal(r.type, 'rollout');
    if (r.type === 'rollout') assert.deepEqual(r.command.tenants, []);
  });

  test('blank lines are skipped, not invalid', () => {
    assert.deepEqual(parseInputLine('   '), { type: 'blank' });
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['bad JSON', '{"eventId": ', /bad JSON/],
    ['a JSON array', '[1,2]', /not a JSON object/],
    ['an unknown type', line({ ...telemetry, type: 'metric' }), /unknown type "metric"/],
    [
      'a missing required field',
      line({ ...telemetry, eventId: undefined }),
      /field eventId: expected string, missing/,
    ],
    [
      'a wrong enum symbol',
      line({ ...telemetry, arm: 'blue' }),
      /field arm: expected one of stable\|canary\|shadow, got "blue"/,
    ],
    ['a string latency', line({ ...telemetry, latencyMs: 'NaN' }), /field latencyMs: expected double/],
    [
      'a negative latency',
      line({ ...telemetry, latencyMs: -3 }),
      /latencyMs: expected a finite non-negative number, got -3/,
    ],
    [
      'an infinite latency (1e400)',
      line(telemetry).replace('812.5', '1e400'),
      /latencyMs: expected a finite non-negative number, got Infinity/,
    ],
    [
      'a fractional timestamp',
      line({ ...telemetry, timestamp: 1.5 }),
      /field timestamp: expected long, got 1.5/,
    ],
    [
      'a timestamp in seconds',
      line({ ...telemetry, timestamp: 1_735_689_600 }),
      /timestamp 1735689600 is outside/,
    ],
    ['a pii score above 1', line({ ...telemetry, piiScore: 1.5 }), /piiScore: expected a ratio in 0..1/],
    ['a judge score above 1', line({ ...evalEvent, judgeScore: 2 }), /judgeScore: expected a ratio in 0..1/],
    [
      'a nested field of a rollout',
      line({
        type: 'rollout',
        commandId: 'c',
        rolloutId: 'r',
        action: 'advance',
        tenants: [{ tenantId: 1 }],
        actor: 'a',
        issuedAt: 1_735_689_600_000,
      }),
      /field tenants\.0\.tenantId: expected string, got 1/,
    ],
    [
      'a start without bundles',
      line({
        type: 'rollout',
        commandId: 'c',
        rolloutId: 'r',
        action: 'start',
        actor: 'a',
        issuedAt: 1_735_689_600_000,
      }),
      /candidateBundleId and baselineBundleId are required/,
    ],
  ];
  for (const [what, text, reason] of invalid) {
    test(`rejects ${what} with the failing field`, () => {
      const r = parseInputLine(text);
      assert.equal(r.type, 'invalid');
      if (r.type === 'invalid') assert.match(r.reason, reason);
    });
  }
});
