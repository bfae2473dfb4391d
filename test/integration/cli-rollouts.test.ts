/**
 * `backtrack rollouts …`, `approve` and `decisions list` against reversion running in-process on the
 * real broker: commands go to the rollouts topic, reversion routes, the CLI follows with --wait.
 * Measures abort → every routing command written, for 20 tenants.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, RollbackDecision } from '../../schemas/types.ts';
import * as k from '../../services/core/kafka.ts';
import { ReversionService } from '../../services/reversion/service.ts';
import { reversionTopics } from '../../services/reversion/testing/environment.ts';
import { bundleInput, decision } from '../../services/reversion/testing/fixtures.ts';
import type { RolloutStatusView } from '../../services/ops/rollout-status.ts';
import { readTopic as readRecords } from '../../services/ops/topic-reader.ts';
import type { ApprovalResult } from '../../services/cli/commands/approval-outcome.ts';
import type { IssueResult } from '../../services/cli/rollouts/issue-command.ts';
import { cliFor } from './cli-helpers.ts';
import { cleanup, createTopics, testRuntime, uniqueName, waitFor } from './helpers.ts';

const env = reversionTopics(uniqueName);
const rt = testRuntime('cli-rollouts', env.rename);
const cli = cliFor(rt, env.rename);
const dir = mkdtempSync(join(tmpdir(), 'backtrack-cli-rollouts-'));
let service: ReversionService;
let producer: k.Producer;
let stable: Bundle;
let candidate: Bundle;

const TIERS = ['enterprise', 'pro', 'free'];
const tenants = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}:${TIERS[i % 3]}`);

async function register(model: string): Promise<Bundle> {
  const path = join(dir, `${model}.json`);
  writeFileSync(path, JSON.stringify(bundleInput(model)));
  const r = await cli('bundles', 'register', '--file', path, '--json');
  assert.equal(r.code, 0, r.stderr);
  return r.json<{ bundle: Bundle }>().bundle;
}

async function status(rolloutId: string): Promise<RolloutStatusView> {
  const r = await cli('rollouts', 'status', rolloutId, '--json');
  assert.equal(r.code, 0, r.stderr);
  return r.json<RolloutStatusView>();
}

function reversion(): ReversionService {
  return new ReversionService(rt, {
    options: {},
    targets: [],
    delivery: { timeoutMs: 1_000, retries: 0, initialBackoffMs: 10, maxBackoffMs: 10 },
    maxPayloadBytes: 16_384,
    tickIntervalMs: 200,
    app: env.app,
    groupId: env.groupId,
  });
}

async function sendDecision(d: RollbackDecision): Promise<void> {
  await producer.send({
    topic: rt.codec.bindings.decisions.name,
    acks: -1,
    messages: [{ key: d.rolloutId, value: rt.codec.encode('decisions', d) }],
  });
  await waitFor(
    async () =>
      (await cli('decisions', 'list', '--rollout', d.rolloutId, '--json'))
        .lines<{ decision: RollbackDecision; status: string }>()
        .some((r) => r.decision.decisionId === d.decisionId && r.status === 'pending_approval'),
    `${d.decisionId} pending`,
  );
}

before(async () => {
  await createTopics(rt.kafka, env.all);
  stable = await register('model-a');
  candidate = await register('model-b');
  service = reversion();
  await service.start();
  producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await rt.codec.registerSchemas(['decisions']);
});

after(async () => {
  await service?.stop();
  await producer?.disconnect();
  await cleanup(
    rt.kafka,
    env.all.map((t) => t.topic),
    [env.groupId],
  );
});

test('start, advance, pause, resume and abort 20 tenants; abort --wait sees every routing command', async (t) => {
  const start = await cli(
    'rollouts',
    'start',
    '--rollout',
    'ro-1',
    '--candidate',
    candidate.bundleId,
    '--baseline',
    stable.bundleId,
    '--strategy',
    'canary',
    '--percent',
    '10',
    '--tenants',
    tenants.join(','),
    '--wait',
    '--json',
  );
  assert.equal(start.code, 0, start.stderr + start.stdout);
  assert.equal(start.json<IssueResult>().outcome, 'applied');
  let s = await status('ro-1');
  assert.deepEqual(
    [s.status, s.strategy, s.candidatePercent, s.tenants.length],
    ['running', 'canary', 10, 20],
  );
  assert.ok(s.tenants.every((x) => x.state === 'candidate' && x.stableBundleId === stable.bundleId));

  assert.equal((await cli('rollouts', 'advance', 'ro-1', '--percent', '50', '--wait')).code, 0);
  assert.equal((await cli('rollouts', 'pause', 'ro-1', '--wait', '--reason', 'lunch')).code, 0);
  assert.equal((await status('ro-1')).status, 'paused');
  assert.equal((await cli('rollouts', 'resume', 'ro-1', '--wait')).code, 0);
  s = await status('ro-1');
  assert.deepEqual([s.status, s.candidatePercent], ['running', 50]);
  assert.ok(s.tenants.every((x) => x.candidatePercent === 50));

  const elapsed: number[] = [];
  const abort = await cli('rollouts', 'abort', 'ro-1', '--wait', '--reason', 'drill', '--json');
  assert.equal(abort.code, 0, abort.stderr);
  const a = abort.json<IssueResult>();
  assert.equal(a.outcome, 'applied');
  assert.equal(a.routed.length, 20, 'every affected tenant');
  assert.ok(a.routed.every((r) => r.stableBundleId === stable.bundleId && r.epoch === 3));
  elapsed.push(a.elapsedMs ?? -1);
  s = await status('ro-1');
  assert.equal(s.status, 'aborted');
  assert.ok(s.tenants.every((x) => x.state === 'baseline'));

  // Two more cycles on the same tenants, selected by tier this time (all on the baseline again).
  for (const id of ['ro-2', 'ro-3']) {
    const again = await cli(
      'rollouts',
      'start',
      '--rollout',
      id,
      '--candidate',
      candidate.bundleId,
      '--baseline',
      stable.bundleId,
      '--strategy',
      'shadow',
      '--tiers',
      TIERS.join(','),
      '--wait',
    );
    assert.equal(again.code, 0, again.stderr);
    const r = (await cli('rollouts', 'abort', id, '--wait', '--json')).json<IssueResult>();
    assert.equal(r.routed.length, 20);
    elapsed.push(r.elapsedMs ?? -1);
    t.diagnostic(
      `${id}: last routing command written ${Math.max(...r.routed.map((x) => x.writtenAfterMs))} ms after the abort was sent (record timestamps)`,
    );
  }
  t.diagnostic(
    `abort --wait, 20 tenants: send → all 20 routing commands read back: ${elapsed.join(', ')} ms`,
  );
  assert.ok(elapsed.every((ms) => ms > 0 && ms < 10_000));

  assert.equal((await cli('audit', 'verify', '--rollout', 'ro-1')).code, 0);
  const who = await cli('who-served', '--tenant', 't00', '--at', new Date().toISOString(), '--json');
  assert.equal(
    who.json<{ candidate: unknown; stable: { bundleId: string } }>().stable.bundleId,
    stable.bundleId,
  );
});

test('rollout commands refuse bad input: unknown bundle 3, bad strategy 2, duplicate start 1, unknown rollout 3', async () => {
  const base = [
    'rollouts',
    'start',
    '--candidate',
    candidate.bundleId,
    '--baseline',
    stable.bundleId,
    '--percent',
    '10',
  ];
  assert.equal(
    (
      await cli(
        'rollouts',
        'start',
        '--rollout',
        'ro-x',
        '--candidate',
        'b-0000000000000000',
        '--baseline',
        stable.bundleId,
        '--tenants',
        'z:pro',
      )
    ).code,
    3,
  );
  assert.equal(
    (await cli(...base, '--rollout', 'ro-x', '--strategy', 'linear', '--tenants', 'z:pro')).code,
    2,
  );
  assert.equal(
    (await cli(...base, '--rollout', 'ro-x', '--tenants', 'never-routed')).code,
    2,
    'tier unknown',
  );
  const dup = await cli(...base, '--rollout', 'ro-1', '--tenants', 'z:pro', '--wait');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
  assert.equal((await cli('rollouts', 'pause', 'ro-1', '--wait')).code, 1, 'an aborted rollout cannot pause');
  assert.equal((await cli('rollouts', 'advance', 'ro-1')).code, 2);
  assert.equal((await cli('rollouts', 'status', 'ro-none')).code, 3);
});

test('approve executes a pending decision for one tier only; promote moves the rest to the candidate', async () => {
  const start = await cli(
    'rollouts',
    'start',
    '--rollout',
    'ro-ap',
    '--candidate',
    candidate.bundleId,
    '--baseline',
    stable.bundleId,
    '--percent',
    '20',
    '--tenants',
    'e1:enterprise,f1:free,f2:free',
    '--wait',
  );
  assert.equal(start.code, 0, start.stderr);
  const d = decision('ro-ap', 'dec-ap', ['e1', 'f1', 'f2'], {
    mode: 'needs_approval',
    tiers: ['enterprise', 'free'],
  });
  await producer.send({
    topic: rt.codec.bindings.decisions.name,
    acks: -1,
    messages: [{ key: 'ro-ap', value: rt.codec.encode('decisions', d) }],
  });
  await waitFor(
    async () => (await cli('decisions', 'list', '--rollout', 'ro-ap')).stdout.includes('pending_approval'),
    'decision pending',
  );

  const ok = await cli('approve', 'dec-ap', '--tier', 'free', '--actor', 'bob');
  assert.equal(ok.code, 0, ok.stderr);
  await waitFor(
    async () => (await status('ro-ap')).tenants.filter((x) => x.state === 'baseline').length === 2,
    'free tenants back',
  );
  const s = await status('ro-ap');
  assert.deepEqual(
    s.tenants.map((x) => `${x.tenantId}:${x.state}`),
    ['e1:candidate', 'f1:baseline', 'f2:baseline'],
  );
  const rows = (await cli('decisions', 'list', '--rollout', 'ro-ap', '--json')).lines<{
    status: string;
    resolvedBy: string;
  }>();
  assert.deepEqual(
    rows.map((r) => [r.status, r.resolvedBy]),
    [['approved', 'bob']],
  );
  assert.equal(
    (await cli('approve', 'dec-ap', '--tier', 'pro', '--actor', 'bob')).code,
    2,
    'pro is not in the decision',
  );

  assert.equal((await cli('rollouts', 'promote', 'ro-ap', '--wait')).code, 0);
  const p = await status('ro-ap');
  assert.equal(p.status, 'promoted');
  assert.deepEqual(
    p.tenants.map((x) => `${x.tenantId}:${x.state}`),
    ['e1:promoted', 'f1:baseline', 'f2:baseline'],
  );
});

test('approve --wait reports a second answer as ignored; abort closes a pending decision at once', async () => {
  const start = await cli(
    'rollouts',
    'start',
    '--rollout',
    'ro-w',
    '--candidate',
    candidate.bundleId,
    '--baseline',
    stable.bundleId,
    '--percent',
    '20',
    '--tenants',
    'we1:enterprise,wf1:free',
    '--wait',
  );
  assert.equal(start.code, 0, start.stderr);
  const opts = { mode: 'needs_approval' as const, tiers: ['enterprise', 'free'] };
  await sendDecision(decision('ro-w', 'dec-w1', ['we1', 'wf1'], opts));

  // Both answers are written while reversion is down, so both pass the CLI's pending check.
  await service.stop();
  const first = await cli('approve', 'dec-w1', '--tier', 'free', '--actor', 'bob');
  assert.equal(first.code, 0, first.stderr);
  const second = cli('reject', 'dec-w1', '--actor', 'carol', '--wait', '--json');
  await waitFor(
    async () =>
      (await readRecords(rt, 'approvals')).records.filter((x) => x.value.decisionId === 'dec-w1').length ===
      2,
    'both answers written',
  );
  service = reversion();
  await service.start();
  const r = await second;
  assert.equal(r.code, 1, r.stderr);
  const outcome = r.json<ApprovalResult>();
  assert.deepEqual([outcome.outcome, outcome.why], ['ignored', 'decision already executed']);
  assert.match(r.stderr, /reject dec-w1: ignored by reversion: decision already executed/);

  const late = await cli('approve', 'dec-w1', '--actor', 'dave');
  assert.equal(late.code, 1);
  assert.match(late.stderr, /decision dec-w1 is no longer pending: approved by bob/);

  await sendDecision(decision('ro-w', 'dec-w2', ['we1'], opts));
  assert.equal((await cli('rollouts', 'abort', 'ro-w', '--actor', 'erin', '--wait')).code, 0);
  const rows = (await cli('decisions', 'list', '--rollout', 'ro-w', '--json')).lines<{
    decision: RollbackDecision;
    status: string;
    resolvedBy: string | null;
  }>();
  assert.deepEqual(
    rows.map((x) => [x.decision.decisionId, x.status, x.resolvedBy]),
    [
      ['dec-w1', 'approved', 'bob'],
      ['dec-w2', 'ignored', 'erin'],
    ],
  );
  const after = await cli('approve', 'dec-w2', '--actor', 'bob', '--wait');
  assert.equal(after.code, 1);
  assert.match(after.stderr, /decision dec-w2 is no longer pending: ignored by erin/);
});
