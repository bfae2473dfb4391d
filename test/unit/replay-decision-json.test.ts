import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RollbackDecision } from '../../schemas/types.ts';
import { decisionToJsonLine, InvalidDecisionError } from '../../services/detect/replay/decision-json.ts';
import {
  autoRolloutId,
  emptyRolloutDirectory,
  registerRolloutCommand,
  resolveRolloutId,
} from '../../services/detect/replay/rollout-resolver.ts';

const decision = (): RollbackDecision => ({
  decisionId: 'd1',
  rolloutId: 'r1',
  action: 'route_back',
  tenantIds: ['t1'],
  mode: 'automatic',
  compositeScore: 0.7,
  breadth: 0.1,
  reasons: ['p95 +60 %'],
  evidence: [
    {
      metric: 'latency_p95',
      tenantId: 't1',
      candidate: 1600,
      baseline: 1000,
      statistic: 1.6,
      statisticKind: 'ratio',
      samplesCandidate: 100,
      samplesBaseline: 300,
      baselineSource: 'concurrent',
    },
  ],
  decidedAt: 1_735_693_200_000,
  tiers: ['enterprise'],
  candidateBundleId: 'b-new',
  baselineBundleId: 'b-old',
  approvalTimeoutMs: null,
  onApprovalTimeout: null,
  dryRun: false,
});

test('writes the fields in schema order whatever the order of the object', () => {
  const d = decision();
  const shuffled = Object.fromEntries(Object.entries(d).reverse()) as unknown as RollbackDecision;
  shuffled.evidence = d.evidence.map((e) =>
    Object.fromEntries(Object.entries(e).reverse()),
  ) as RollbackDecision['evidence'];
  const line = decisionToJsonLine(shuffled);
  assert.equal(line, decisionToJsonLine(d));
  assert.deepEqual(Object.keys(JSON.parse(line) as object).slice(0, 3), [
    'decisionId',
    'rolloutId',
    'action',
  ]);
  assert.match(line, /"evidence":\[\{"metric":"latency_p95","tenantId":"t1","candidate":1600/);
});

test('rejects a decision that breaks its schema or holds a non-finite number', () => {
  assert.throws(
    () => decisionToJsonLine({ ...decision(), action: 'panic' as RollbackDecision['action'] }),
    InvalidDecisionError,
  );
  assert.throws(() => decisionToJsonLine({ ...decision(), compositeScore: NaN }), /non-finite number NaN/);
});

test('rollout ids: start commands name them, otherwise auto-<candidate>', () => {
  const dir = emptyRolloutDirectory();
  assert.equal(resolveRolloutId(dir, 'b-new', 'b-old'), autoRolloutId('b-new'));
  assert.equal(autoRolloutId('b-new'), 'auto-b-new');
  registerRolloutCommand(dir, {
    commandId: 'c1',
    rolloutId: 'ro-7',
    action: 'start',
    strategy: 'canary',
    candidateBundleId: 'b-new',
    baselineBundleId: 'b-old',
    tenants: [],
    canaryPercent: 10,
    actor: 'ops',
    reason: '',
    issuedAt: 0,
  });
  assert.equal(resolveRolloutId(dir, 'b-new', 'b-old'), 'ro-7');
  assert.equal(resolveRolloutId(dir, 'b-new', 'b-other'), 'ro-7');
  assert.equal(resolveRolloutId(dir, 'b-3', 'b-old'), 'auto-b-3');
});
