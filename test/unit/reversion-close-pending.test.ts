import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEvent } from '../../schemas/types.ts';
import { applyRecord, emptyReadModel } from '../../services/console/read-model.ts';
import { findDecision, listRollouts } from '../../services/console/read-model-views.ts';
import { decisionStatuses } from '../../services/ops/decisions.ts';
import {
  applyApproval,
  applyDecision,
  applyRolloutCommand,
  createReversionState,
  tick,
  verifyChain,
  type ReversionOutput,
  type ReversionState,
} from '../../services/reversion/core/index.ts';
import {
  approval,
  command,
  ctxOf,
  decision,
  startCommand,
  T0,
  world,
  type World,
} from './reversion-fixtures.ts';

/** A started rollout r1 with two pending decisions d1, d2 (deadline T0 + 60 s, then execute). */
function withPending(w: World): { state: ReversionState; audit: AuditEvent[] } {
  const state = createReversionState();
  const audit: AuditEvent[] = [];
  audit.push(...applyRolloutCommand(state, startCommand(w), ctxOf(w)).audit);
  for (const [id, tenantId] of [
    ['d1', 't-ent-1'],
    ['d2', 't-pro-1'],
  ] as const) {
    const d = decision({
      decisionId: id,
      action: 'route_back',
      mode: 'needs_approval',
      tenantIds: [tenantId],
      approvalTimeoutMs: 60_000,
      onApprovalTimeout: 'execute',
    });
    audit.push(...applyDecision(state, d, ctxOf(w, T0 + 1)).audit);
  }
  return { state, audit };
}

const detailsOf = (e: AuditEvent | undefined): Record<string, unknown> =>
  JSON.parse(e?.details ?? '{}') as Record<string, unknown>;

const closures = (out: ReversionOutput): AuditEvent[] =>
  out.audit.filter((e) => e.kind === 'decision_closed');

describe('pending decisions close when their rollout ends', () => {
  test('abort closes every pending decision at once: audited ignored, notified, never timed out', () => {
    const w = world();
    const { state, audit } = withPending(w);
    const abort = applyRolloutCommand(
      state,
      command({ commandId: 'c-abort', action: 'abort', actor: 'alice', reason: 'drill' }),
      ctxOf(w, T0 + 10),
    );
    audit.push(...abort.audit);
    assert.deepEqual(
      closures(abort).map((e) => [e.subjectId, e.actor, detailsOf(e).outcome, detailsOf(e).closedBy]),
      [
        ['d1', 'alice', 'ignored', 'c-abort'],
        ['d2', 'alice', 'ignored', 'c-abort'],
      ],
    );
    assert.equal(detailsOf(closures(abort)[0]).reason, 'rollout r1 aborted by alice (drill)');
    assert.deepEqual(
      abort.notifications.filter((n) => n.kind === 'approval_resolved').map((n) => n.decisionId),
      ['d1', 'd2'],
    );
    const r1 = state.rollouts.get('r1');
    assert.deepEqual(r1?.pending, []);
    assert.deepEqual([r1?.decisions.get('d1'), r1?.decisions.get('d2')], ['ignored', 'ignored']);

    assert.deepEqual(tick(state, ctxOf(w, T0 + 120_000)), { commands: [], audit: [], notifications: [] });
    const late = applyApproval(
      state,
      approval({ approvalId: 'a1', decisionId: 'd1', verdict: 'approve' }),
      ctxOf(w, T0 + 20),
    );
    audit.push(...late.audit);
    assert.equal(late.commands.length, 0);
    assert.deepEqual(
      late.audit.map((e) => [e.kind, detailsOf(e).outcome, detailsOf(e).why]),
      [['approval', 'ignored', 'decision already ignored']],
    );
    assert.deepEqual(verifyChain(audit), { ok: true });
  });

  test('a redelivered abort closes nothing twice', () => {
    const w = world();
    const { state } = withPending(w);
    const cmd = command({ commandId: 'c-abort', action: 'abort' });
    applyRolloutCommand(state, cmd, ctxOf(w, T0 + 10));
    const again = applyRolloutCommand(state, cmd, ctxOf(w, T0 + 11));
    assert.deepEqual(
      again.audit.map((e) => [e.kind, detailsOf(e).outcome]),
      [['rollout_command', 'duplicate_ignored']],
    );
    assert.equal(again.notifications.length, 0);
  });

  test('promote closes pending decisions; a later approval is ignored, not refused', () => {
    const w = world();
    const { state } = withPending(w);
    const promote = applyRolloutCommand(
      state,
      command({ commandId: 'c-promote', action: 'promote', actor: 'bob' }),
      ctxOf(w, T0 + 10),
    );
    assert.deepEqual(
      closures(promote).map((e) => detailsOf(e).reason),
      ['rollout r1 promoted by bob', 'rollout r1 promoted by bob'],
    );
    const late = applyApproval(
      state,
      approval({ approvalId: 'a1', decisionId: 'd2', verdict: 'approve' }),
      ctxOf(w, T0 + 20),
    );
    assert.deepEqual(
      late.audit.map((e) => [e.kind, detailsOf(e).outcome]),
      [['approval', 'ignored']],
    );
    assert.equal(late.notifications.length, 0);
  });

  test('an automatic halt closes the pending decisions it did not settle', () => {
    const w = world();
    const { state } = withPending(w);
    const halt = applyDecision(
      state,
      decision({ decisionId: 'd-halt', action: 'halt_rollout' }),
      ctxOf(w, T0 + 10),
    );
    assert.equal(state.rollouts.get('r1')?.status, 'halted');
    assert.deepEqual(
      closures(halt).map((e) => [e.subjectId, e.actor, detailsOf(e).outcome]),
      [
        ['d1', 'reversion', 'ignored'],
        ['d2', 'reversion', 'ignored'],
      ],
    );
    assert.equal(detailsOf(closures(halt)[0]).reason, 'rollout r1 halted by decision d-halt');
  });

  test('an approved halt closes the other pending decision, not itself', () => {
    const w = world();
    const { state } = withPending(w);
    applyDecision(
      state,
      decision({ decisionId: 'd-halt', action: 'halt_rollout', mode: 'needs_approval' }),
      ctxOf(w, T0 + 2),
    );
    const out = applyApproval(
      state,
      approval({ approvalId: 'a-halt', decisionId: 'd-halt', verdict: 'approve', actor: 'carol' }),
      ctxOf(w, T0 + 10),
    );
    assert.deepEqual(
      out.audit
        .filter((e) => e.kind !== 'routing_command')
        .map((e) => [e.kind, e.subjectId, e.actor, detailsOf(e).outcome]),
      [
        ['approval', 'a-halt', 'carol', 'executed'],
        ['decision_closed', 'd1', 'carol', 'ignored'],
        ['decision_closed', 'd2', 'carol', 'ignored'],
      ],
    );
    assert.equal(state.rollouts.get('r1')?.decisions.get('d-halt'), 'executed');
  });

  test('a halt executed by timeout closes decisions due in the same tick exactly once', () => {
    const w = world();
    const state = createReversionState();
    applyRolloutCommand(state, startCommand(w), ctxOf(w));
    for (const [id, action] of [
      ['d-halt', 'halt_rollout'],
      ['d-later', 'route_back'],
    ] as const)
      applyDecision(
        state,
        decision({
          decisionId: id,
          action,
          mode: 'needs_approval',
          tenantIds: ['t-ent-1'],
          approvalTimeoutMs: 1_000,
          onApprovalTimeout: 'execute',
        }),
        ctxOf(w),
      );
    const out = tick(state, ctxOf(w, T0 + 1_000));
    const about = (id: string) =>
      out.audit.filter((e) => e.subjectId === id && e.kind !== 'routing_command').map((e) => e.kind);
    assert.deepEqual(about('d-halt'), ['approval_timeout']);
    assert.deepEqual(about('d-later'), ['decision_closed']);
    assert.equal(state.rollouts.get('r1')?.decisions.get('d-later'), 'ignored');
  });

  test('ops decision statuses and the console read model show a closed decision as ignored, by who ended the rollout', () => {
    const w = world();
    const { state, audit } = withPending(w);
    audit.push(
      ...applyRolloutCommand(state, command({ commandId: 'c-abort', action: 'abort' }), ctxOf(w, T0 + 10))
        .audit,
    );
    assert.deepEqual(decisionStatuses(audit).get('d1'), { status: 'ignored', by: 'alice' });
    const model = emptyReadModel();
    for (const e of audit) applyRecord(model, { topic: 'audit', value: e });
    const d1 = findDecision(model, 'd1');
    assert.deepEqual(
      [d1?.status, d1?.resolvedBy, d1?.note],
      ['ignored', 'alice', 'rollout r1 aborted by alice'],
    );
    assert.equal(listRollouts(model)[0]?.pendingApprovals, 0);
  });
});
