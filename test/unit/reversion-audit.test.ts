import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEvent } from '../../schemas/types.ts';
import {
  applyApproval,
  applyDecision,
  applyRolloutCommand,
  createReversionState,
  decodeReversionState,
  encodeReversionState,
  GENESIS_HASH,
  hashAuditEvent,
  recordNotificationFailure,
  toPagerDutyPayload,
  toSlackPayload,
  verifyChain,
  type Notification,
  type ReversionState,
} from '../../services/reversion/core/index.ts';
import { approval, command, ctxOf, decision, startCommand, world } from './reversion-fixtures.ts';

function scenario(): { state: ReversionState; events: AuditEvent[] } {
  const w = world();
  const state = createReversionState();
  const events: AuditEvent[] = [];
  const run = (o: { audit: AuditEvent[] }) => events.push(...o.audit);
  run(applyRolloutCommand(state, startCommand(w), ctxOf(w)));
  run(
    applyRolloutCommand(
      state,
      startCommand(w, {
        rolloutId: 'r2',
        commandId: 'c-r2',
        tenants: [{ tenantId: 'x', tenantTier: 'pro' }],
      }),
      ctxOf(w),
    ),
  );
  run(
    applyDecision(
      state,
      decision({ decisionId: 'd1', action: 'route_back', mode: 'needs_approval', tenantIds: ['t-ent-1'] }),
      ctxOf(w),
    ),
  );
  run(applyApproval(state, approval({ approvalId: 'a1', decisionId: 'd1', verdict: 'approve' }), ctxOf(w)));
  run(
    applyRolloutCommand(state, command({ commandId: 'c-abort', action: 'abort', rolloutId: 'r2' }), ctxOf(w)),
  );
  return { state, events };
}

describe('audit chain', () => {
  test('chains per rollout from seq 1 and genesis, and verifies', () => {
    const { events } = scenario();
    const r1 = events.filter((e) => e.rolloutId === 'r1');
    assert.deepEqual(
      r1.map((e) => e.seq),
      r1.map((_, i) => i + 1),
    );
    assert.equal(r1[0]?.prevHash, GENESIS_HASH);
    assert.equal(r1[1]?.prevHash, r1[0]?.hash);
    assert.equal(r1[0]?.auditId, 'r1:1');
    assert.deepEqual(verifyChain(events), { ok: true });
  });

  test('an edited event is found at its own seq', () => {
    const { events } = scenario();
    const i = events.findIndex((e) => e.rolloutId === 'r1' && e.seq === 3);
    const tampered = events.map((e, j) =>
      j === i ? { ...e, details: e.details.replace('canary', 'shadow') } : e,
    );
    assert.notEqual(tampered[i]?.details, events[i]?.details);
    assert.deepEqual(verifyChain(tampered), {
      ok: false,
      rolloutId: 'r1',
      brokenAt: 3,
      reason: 'hash mismatch: the event was altered',
    });
  });

  test('an edited event with a recomputed hash breaks the next link; a removed event is a seq gap', () => {
    const { events } = scenario();
    const i = events.findIndex((e) => e.rolloutId === 'r1' && e.seq === 2);
    const edited = { ...events[i]!, actor: 'mallory' };
    const rehashed = events.map((e, j) => (j === i ? { ...edited, hash: hashAuditEvent(edited) } : e));
    const broken = verifyChain(rehashed);
    assert.equal(broken.ok === false && broken.brokenAt, 3);
    const removed = verifyChain(events.filter((_, j) => j !== i));
    assert.equal(removed.ok === false && removed.brokenAt, 3);
    assert.match(removed.ok === false ? removed.reason : '', /seq 3 where 2 was expected/);
  });

  test('a suffix verifies from a known head', () => {
    const { events } = scenario();
    const r1 = events.filter((e) => e.rolloutId === 'r1');
    const head = r1[2]!;
    assert.equal(verifyChain(r1.slice(3)).ok, false);
    assert.deepEqual(verifyChain(r1.slice(3), new Map([['r1', { seq: head.seq, hash: head.hash }]])), {
      ok: true,
    });
  });

  test('a notification failure continues the rollout chain', () => {
    const { state, events } = scenario();
    const n: Notification = {
      kind: 'rolled_back',
      rolloutId: 'r1',
      summary: 's',
      severity: 'warning',
      decisionId: 'd1',
    };
    const e = recordNotificationFailure(state, n, 'slack', 'HTTP 500', { nowMs: 1 });
    assert.equal(e.kind, 'notification_failed');
    assert.deepEqual(verifyChain([...events, e]), { ok: true });
  });
});

describe('notification payloads', () => {
  const n: Notification = {
    kind: 'approval_requested',
    rolloutId: 'r1',
    summary: 'Approval needed',
    severity: 'warning',
    decisionId: 'd1',
  };

  test('Slack: fallback text plus a section and a context block', () => {
    const p = toSlackPayload(n);
    assert.equal(p.text, ':warning: [WARNING] Approval needed');
    assert.deepEqual(p.blocks[0], { type: 'section', text: { type: 'mrkdwn', text: p.text } });
    assert.equal(p.blocks[1]?.type, 'context');
    assert.match(JSON.stringify(p.blocks[1]), /`d1`/);
  });

  test('PagerDuty Events v2: trigger with summary, severity and source; resolve on the same dedup key', () => {
    const p = toPagerDutyPayload(n, 'rk-123');
    assert.equal(p.routing_key, 'rk-123');
    assert.equal(p.event_action, 'trigger');
    assert.equal(p.dedup_key, 'backtrack/r1/d1');
    assert.deepEqual(
      { summary: p.payload.summary, severity: p.payload.severity, source: p.payload.source },
      { summary: 'Approval needed', severity: 'warning', source: 'backtrack-reversion' },
    );
    const resolved = toPagerDutyPayload({ ...n, kind: 'approval_resolved', severity: 'info' }, 'rk-123');
    assert.equal(resolved.event_action, 'resolve');
    assert.equal(resolved.dedup_key, p.dedup_key);
    const long = toPagerDutyPayload({ ...n, summary: 'x'.repeat(2000) }, 'rk');
    assert.equal(long.payload.summary.length, 1024);
  });
});

describe('state codec', () => {
  test('round-trips exactly', () => {
    const { state } = scenario();
    const text = encodeReversionState(state);
    const decoded = decodeReversionState(text);
    assert.ok(decoded.ok);
    if (!decoded.ok) return;
    assert.deepEqual(decoded.state, state);
    assert.equal(encodeReversionState(decoded.state), text);
  });

  test('corrupt or foreign bytes are a verdict naming the path', () => {
    assert.equal(decodeReversionState('{').ok, false);
    const { state } = scenario();
    const bad = JSON.parse(encodeReversionState(state)) as { tenants: Array<{ epoch: unknown }> };
    bad.tenants[0]!.epoch = 'one';
    const v = decodeReversionState(JSON.stringify(bad));
    assert.equal(v.ok, false);
    assert.match(v.ok ? '' : v.reason, /tenants\.0\.epoch/);
  });
});
