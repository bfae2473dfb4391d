import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertScore, AuditEvent, RoutingCommand } from '../../schemas/types.ts';
import {
  applyRecord,
  defaultLimits,
  emptyReadModel,
  type ConsoleRecord,
  type ReadModel,
} from '../../services/console/read-model.ts';
import {
  findDecision,
  listDecisions,
  listRollouts,
  rolloutDetail,
  tenantStatus,
} from '../../services/console/read-model-views.ts';
import { upsertPoint } from '../../services/console/series.ts';
import {
  approval,
  decision,
  rolloutCommand,
  rolloutStart,
} from '../../services/reversion/testing/fixtures.ts';

const T0 = 1_750_000_000_000;
const tenants = [
  { tenantId: 'ent-1', tenantTier: 'enterprise' },
  { tenantId: 'pro-1', tenantTier: 'pro' },
  { tenantId: 'pro-2', tenantTier: 'pro' },
];

function score(
  tenantId: string,
  tier: string,
  windowEnd: number,
  composite: number,
  degraded = false,
): AlertScore {
  return {
    scoreId: `r1/${tenantId}/${windowEnd}`,
    rolloutId: 'r1',
    tenantId,
    tenantTier: tier,
    windowEnd,
    anomaly: 0,
    latency: composite,
    errors: 0,
    regression: 0,
    breadth: 0.1,
    cost: 0,
    safety: 0,
    composite,
    verdict: degraded ? 'degraded' : 'ok',
    baselineSource: 'concurrent',
    evidence: [],
  };
}

let auditSeq = 0;
function audit(kind: AuditEvent['kind'], subjectId: string, actor: string, details: object): AuditEvent {
  auditSeq++;
  return {
    auditId: `a${auditSeq}`,
    rolloutId: 'r1',
    seq: auditSeq,
    kind,
    actor,
    subjectId,
    tenantIds: [],
    details: JSON.stringify(details),
    at: T0 + auditSeq,
    prevHash: '0'.repeat(64),
    hash: `h${auditSeq}`,
  };
}

function routing(
  tenantId: string,
  epoch: number,
  onCandidate: boolean,
  decisionId: string | null,
): RoutingCommand {
  const bundle = {
    bundleId: 'b-stable',
    modelId: 'm',
    modelVersionHash: 'h',
    promptTemplateVersion: '1',
    promptTemplateHash: 'p',
    config: '{}',
    toolSchemaVersion: 't',
    stateVersion: 's',
  };
  return {
    commandId: `${tenantId}-${epoch}`,
    tenantId,
    tenantTier: 'pro',
    epoch,
    rolloutId: 'r1',
    stable: bundle,
    candidate: onCandidate ? { ...bundle, bundleId: 'b-cand' } : null,
    candidateArm: onCandidate ? 'canary' : null,
    candidatePercent: onCandidate ? 10 : 0,
    sessionPolicy: 'none',
    reason: 'test',
    decisionId,
    issuedAt: T0 + epoch * 1000,
  };
}

function apply(model: ReadModel, ...records: ConsoleRecord[]): void {
  for (const r of records) applyRecord(model, r);
}

describe('console read model', () => {
  test('a rollout start lists the rollout with its tenants by tier', () => {
    const m = emptyReadModel();
    apply(m, { topic: 'rollouts', value: rolloutStart('r1', 'b-stable', 'b-cand', tenants) });
    const [r] = listRollouts(m);
    assert.equal(r?.status, 'running');
    assert.equal(r?.candidateBundleId, 'b-cand');
    assert.deepEqual(r?.tiers, { enterprise: 1, pro: 2 });
    assert.equal(m.version, 1);
  });

  test('keeps per-tenant and per-tier score series, bounded and ordered by window end', () => {
    const m = emptyReadModel({ ...defaultLimits, pointsPerSeries: 3 });
    for (const w of [4, 1, 2, 3, 5]) {
      apply(m, { topic: 'scores', value: score('pro-1', 'pro', T0 + w * 60_000, w / 10) });
      apply(m, { topic: 'scores', value: score('pro-2', 'pro', T0 + w * 60_000, w / 5, w === 5) });
    }
    const d = rolloutDetail(m, 'r1')!;
    const pro1 = d.tenantList.find((t) => t.tenantId === 'pro-1')!;
    assert.deepEqual(
      pro1.scores.map((p) => p.t),
      [3, 4, 5].map((w) => T0 + w * 60_000),
    );
    const tier = d.tierSeries.find((s) => s.tier === 'pro')!;
    assert.equal(tier.points.length, 3);
    const last = tier.points.at(-1)!;
    assert.equal(last.max, 1);
    assert.ok(Math.abs(last.mean - 0.75) < 1e-9);
    assert.equal(last.degraded, 1);
    assert.equal(d.degradedTenants, 1);
    assert.equal(d.maxComposite, 1);
  });

  test('a repeated score replaces its point instead of adding one', () => {
    const m = emptyReadModel();
    apply(m, { topic: 'scores', value: score('pro-1', 'pro', T0, 0.2) });
    apply(m, { topic: 'scores', value: score('pro-1', 'pro', T0, 0.4) });
    const d = rolloutDetail(m, 'r1')!;
    assert.deepEqual(
      d.tenantList[0]?.scores.map((p) => p.composite),
      [0.4],
    );
    assert.equal(d.tierSeries[0]?.points[0]?.tenants, 1);
  });

  test('a needs_approval decision is pending once reversion audits it, and executed by the approver', () => {
    const m = emptyReadModel();
    const d = decision('r1', 'd1', ['pro-1'], { mode: 'needs_approval', tiers: ['pro'] });
    apply(m, { topic: 'decisions', value: d });
    assert.equal(findDecision(m, 'd1')?.status, 'received');
    assert.deepEqual(listDecisions(m, { pending: true }), []);
    apply(m, {
      topic: 'audit',
      value: audit('decision_received', 'd1', 'reversion', {
        outcome: 'pending_approval',
        deadline: T0 + 60_000,
      }),
    });
    const pending = listDecisions(m, { pending: true });
    assert.deepEqual(
      pending.map((x) => [x.decisionId, x.deadline, x.evidence.length]),
      [['d1', T0 + 60_000, 1]],
    );
    assert.equal(listRollouts(m)[0]?.pendingApprovals, 1);
    apply(m, { topic: 'approvals', value: approval('r1', 'd1', 'ap1', { actor: 'alice' }) });
    assert.equal(findDecision(m, 'd1')?.approvals[0]?.outcome, undefined);
    apply(m, {
      topic: 'audit',
      value: audit('approval', 'ap1', 'alice', { decisionId: 'd1', outcome: 'executed' }),
    });
    const done = findDecision(m, 'd1')!;
    assert.equal(done.status, 'executed');
    assert.equal(done.resolvedBy, 'alice');
    assert.equal(done.approvals[0]?.outcome, 'executed');
    assert.deepEqual(listDecisions(m, { pending: true }), []);
  });

  test('an ignored approval does not resolve the decision; a timeout rejection does', () => {
    const m = emptyReadModel();
    apply(m, {
      topic: 'audit',
      value: audit('decision_received', 'd2', 'reversion', { outcome: 'pending_approval' }),
    });
    apply(m, {
      topic: 'audit',
      value: audit('approval', 'ap9', 'bob', { decisionId: 'd2', outcome: 'ignored' }),
    });
    assert.equal(findDecision(m, 'd2')?.status, 'pending_approval');
    apply(m, {
      topic: 'audit',
      value: audit('approval_timeout', 'd2', 'reversion', { outcome: 'rejected' }),
    });
    assert.equal(findDecision(m, 'd2')?.status, 'rejected');
    assert.equal(findDecision(m, 'd2')?.action, null, 'known from the audit trail only');
  });

  test('abort and duplicate commands', () => {
    const m = emptyReadModel();
    const start = rolloutStart('r1', 'b-stable', 'b-cand', tenants);
    apply(m, { topic: 'rollouts', value: start });
    const v = m.version;
    assert.deepEqual(applyRecord(m, { topic: 'rollouts', value: start }), { applied: false });
    assert.equal(m.version, v);
    apply(m, { topic: 'rollouts', value: rolloutCommand('r1', 'abort', 'c2') });
    assert.equal(listRollouts(m)[0]?.status, 'running', 'a command alone is only a request');
    apply(m, {
      topic: 'audit',
      value: audit('rollout_command', 'c2', 'alice', {
        action: 'abort',
        outcome: 'applied',
        status: 'aborted',
      }),
    });
    assert.equal(listRollouts(m)[0]?.status, 'aborted', 'reversion applied it');
  });

  test('a refused command leaves the status as reversion last reported it', () => {
    const m = emptyReadModel();
    apply(m, { topic: 'rollouts', value: rolloutStart('r1', 'b-stable', 'b-cand', tenants) });
    apply(m, {
      topic: 'audit',
      value: audit('rollout_command', 'c1', 'alice', {
        action: 'abort',
        outcome: 'applied',
        status: 'aborted',
      }),
    });
    apply(m, { topic: 'rollouts', value: rolloutCommand('r1', 'pause', 'c3') });
    apply(m, { topic: 'audit', value: audit('refused', 'c3', 'reversion', { action: 'pause' }) });
    assert.equal(listRollouts(m)[0]?.status, 'aborted');
  });

  test('keeps at most `rollouts` rollouts, dropping the least recently updated', () => {
    const m = emptyReadModel({ ...defaultLimits, rollouts: 2 });
    apply(m, { topic: 'rollouts', value: rolloutStart('old', 'a', 'b', [], { issuedAt: T0 }) });
    apply(m, { topic: 'rollouts', value: rolloutStart('mid', 'a', 'b', [], { issuedAt: T0 + 10 }) });
    apply(m, { topic: 'rollouts', value: rolloutStart('new', 'a', 'b', [], { issuedAt: T0 + 5 }) });
    assert.deepEqual(
      listRollouts(m).map((r) => r.rolloutId),
      ['mid', 'new'],
    );
  });

  test('the public tenant status tells of a rollback of its tier, without bundle ids', () => {
    const m = emptyReadModel();
    apply(m, { topic: 'routing', key: 'pro-1', value: routing('pro-1', 1, true, null) });
    assert.equal(tenantStatus(m, 'pro-1').status, 'candidate');
    apply(m, { topic: 'routing', key: 'pro-1', value: routing('pro-1', 2, false, 'd1') });
    assert.deepEqual(
      applyRecord(m, { topic: 'routing', key: 'pro-1', value: routing('pro-1', 2, false, 'd1') }),
      {
        applied: false,
      },
    );
    const s = tenantStatus(m, 'pro-1');
    assert.equal(s.status, 'stable');
    assert.deepEqual(
      s.events.map((e) => e.kind),
      ['rolled_back', 'joined_rollout'],
    );
    assert.match(s.events[0]!.message, /A rollback affected the pro tier at 2025-06-15T15:06:42\.000Z/);
    assert.doesNotMatch(JSON.stringify(s), /b-stable|b-cand|d1/);
    assert.deepEqual(tenantStatus(m, 'nobody'), {
      tenantId: 'nobody',
      status: 'unknown',
      tier: null,
      events: [],
    });
    const rolled = rolloutDetail(m, 'r1');
    assert.equal(rolled, undefined, 'routing alone does not create a rollout');
  });
});

describe('bounded series', () => {
  test('drops a point older than a full series instead of evicting newer ones', () => {
    const s = [{ t: 2 }, { t: 3 }];
    assert.equal(upsertPoint(s, { t: 1 }, 2), false);
    assert.equal(upsertPoint(s, { t: 4 }, 2), true);
    assert.deepEqual(s, [{ t: 3 }, { t: 4 }]);
  });
});
