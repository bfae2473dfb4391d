import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TelemetryEvent } from '../../schemas/types.ts';
import type { ParsedLine } from '../../services/detect/replay/parse-input-line.ts';
import { decisionToJsonLine } from '../../services/detect/replay/decision-json.ts';
import { ReplaySession } from '../../services/detect/replay/replay-session.ts';
import { fakeStages } from '../fixtures/replay-fake-stages.ts';

const T0 = 1_735_689_600_000;
let seq = 0;
function tel(
  tenantId: string,
  offsetMs: number,
  arm: 'stable' | 'canary',
  extra: Partial<TelemetryEvent> = {},
): ParsedLine {
  const event = {
    eventId: `e${seq++}`,
    timestamp: T0 + offsetMs,
    tenantId,
    tenantTier: tenantId.startsWith('ent') ? 'enterprise' : 'free',
    bundleId: arm === 'stable' ? 'b-old' : 'b-new',
    arm,
    ...extra,
  } as TelemetryEvent;
  return { type: 'telemetry', event };
}

function run(lines: ParsedLine[], threshold = 2) {
  const session = new ReplaySession(fakeStages(threshold));
  const decisions = lines.flatMap((l) => session.push(l));
  const atEnd = session.finish();
  return { session, during: decisions, atEnd, all: [...decisions, ...atEnd] };
}

describe('ReplaySession', () => {
  test('closes a sub-window only once stream time passes its end plus the allowed lateness', () => {
    const r = run([
      tel('ent-1', 1_000, 'canary'),
      tel('ent-1', 2_000, 'canary'),
      tel('ent-1', 69_999, 'stable'),
      tel('ent-1', 70_000, 'stable'),
    ]);
    assert.equal(r.during.length, 1);
    assert.equal(r.during[0]?.decidedAt, T0 + 60_000);
  });

  test('flushes the last windows at the end of input', () => {
    const r = run([tel('ent-1', 1_000, 'canary'), tel('ent-1', 2_000, 'canary')]);
    assert.equal(r.during.length, 0);
    assert.equal(r.atEnd.length, 1);
  });

  test('derives the rollout from the candidate bundle when there are no rollout lines', () => {
    const r = run([
      tel('ent-1', 1_000, 'stable'),
      tel('ent-1', 2_000, 'canary'),
      tel('ent-1', 3_000, 'canary'),
    ]);
    assert.equal(r.all[0]?.rolloutId, 'auto-b-new');
    assert.deepEqual(r.session.summary().rollouts, ['auto-b-new']);
  });

  test('uses the rollout id of a start command for its bundles', () => {
    const start: ParsedLine = {
      type: 'rollout',
      command: {
        commandId: 'c1',
        rolloutId: 'ro-42',
        action: 'start',
        strategy: 'canary',
        candidateBundleId: 'b-new',
        baselineBundleId: 'b-old',
        tenants: [],
        canaryPercent: 25,
        actor: 'ops',
        reason: '',
        issuedAt: T0,
      },
    };
    const r = run([
      start,
      tel('ent-1', 1_000, 'stable'),
      tel('ent-1', 2_000, 'canary'),
      tel('ent-1', 3_000, 'canary'),
    ]);
    assert.equal(r.all[0]?.rolloutId, 'ro-42');
    assert.equal(r.session.summary().rolloutCommands, 1);
  });

  test('hands snapshots to stage 2 in window order across tenants', () => {
    const r = run([
      tel('free-1', 1_000, 'canary'),
      tel('free-1', 2_000, 'canary'),
      tel('ent-1', 61_000, 'canary'),
      tel('ent-1', 62_000, 'canary'),
      tel('free-1', 500_000, 'stable'),
    ]);
    assert.deepEqual(
      r.all.map((d) => [d.tenantIds[0], d.decidedAt - T0]),
      [
        ['free-1', 60_000],
        ['ent-1', 120_000],
      ],
    );
  });

  test('counts duplicates, late events, invalid lines and the event-time span', () => {
    const first = tel('ent-1', 1_000, 'canary');
    const r = run([
      first,
      first,
      tel('ent-1', 200_000, 'stable'),
      tel('ent-1', 5_000, 'canary'),
      { type: 'invalid', reason: 'x' },
      { type: 'blank' },
    ]);
    const s = r.session.summary();
    assert.equal(s.records, 5);
    assert.equal(s.telemetry, 4);
    assert.equal(s.duplicates, 1);
    assert.equal(s.late, 1);
    assert.equal(s.invalid, 1);
    assert.deepEqual(s.eventTime, { fromMs: T0 + 1_000, toMs: T0 + 200_000, spanMs: 199_000 });
  });

  test('summarises decisions by action, mode and tenant', () => {
    const r = run([
      tel('ent-1', 1_000, 'canary'),
      tel('ent-1', 2_000, 'canary'),
      tel('free-9', 3_000, 'canary'),
      tel('free-9', 4_000, 'canary'),
    ]);
    const s = r.session.summary();
    assert.equal(s.decisions.total, 2);
    assert.equal(s.decisions.byAction.route_back, 2);
    assert.equal(s.decisions.byMode.automatic, 2);
    assert.deepEqual(
      s.tenants.map((t) => [t.tenantId, t.tier, t.route_back]),
      [
        ['ent-1', 'enterprise', 1],
        ['free-9', 'free', 1],
      ],
    );
  });

  test('the same input gives byte-identical decision lines', () => {
    const lines = Array.from({ length: 500 }, (_, i) =>
      tel(`free-${i % 7}`, i * 1_700, i % 3 === 0 ? 'stable' : 'canary'),
    );
    const a = run(lines).all.map(decisionToJsonLine).join('\n');
    const b = run(lines).all.map(decisionToJsonLine).join('\n');
    assert.ok(a.length > 0);
    assert.equal(a, b);
  });

  test('refuses input after finish', () => {
    const session = new ReplaySession(fakeStages(2));
    session.finish();
    assert.throws(() => session.push({ type: 'blank' }), /push after finish/);
  });
});
