/**
 * `backtrack` read-side and write-side commands that need no running service, on the real broker:
 * bundles, audit, who-served, decisions, approve/reject. Records reversion or the
 * trigger would write are produced directly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { AuditEvent, Bundle, RollbackDecision, RoutingCommand } from '../../schemas/types.ts';
import type { TopicKey } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import type { ValueOf } from '../../services/core/wire-types.ts';
import {
  appendAudit,
  routedBundleOf,
  createReversionState,
  type AuditEntry,
} from '../../services/reversion/core/index.ts';
import { reversionTopics } from '../../services/reversion/testing/environment.ts';
import { bundleInput, decision } from '../../services/reversion/testing/fixtures.ts';
import { cliFor } from './cli-helpers.ts';
import { cleanup, createTopics, readTopic, testRuntime, uniqueName } from './helpers.ts';

const env = reversionTopics(uniqueName);
const rename = env.rename;
const rt = testRuntime('cli-ops', rename);
const cli = cliFor(rt, rename);
const dir = mkdtempSync(join(tmpdir(), 'backtrack-cli-'));
let producer: k.Producer;
const bundles: Bundle[] = [];

async function send<K extends TopicKey>(
  topic: K,
  items: Array<{ key: string; value: ValueOf<K>; timestamp?: number }>,
): Promise<void> {
  for (let i = 0; i < items.length; i += 2000)
    await producer.send({
      topic: rt.codec.bindings[topic].name,
      acks: -1,
      messages: items.slice(i, i + 2000).map((m) => ({
        key: m.key,
        value: rt.codec.encode(topic, m.value),
        ...(m.timestamp === undefined ? {} : { timestamp: String(m.timestamp) }),
      })),
    });
}

function chain(entries: AuditEntry[], at: number): AuditEvent[] {
  const state = createReversionState();
  return entries.map((e, i) => appendAudit(state, e, at + i));
}

before(async () => {
  await createTopics(rt.kafka, env.all);
  producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await rt.codec.registerSchemas(['audit', 'routing', 'decisions']);
});

after(async () => {
  await producer?.disconnect();
  await cleanup(
    rt.kafka,
    env.all.map((t) => t.topic),
  );
});

test('bundles: registers a YAML file once, lists and shows it; an invalid file exits 1, an unknown id 3', async () => {
  const paths = ['a', 'b'].map((m) => {
    const path = join(dir, `bundle-${m}.yaml`);
    writeFileSync(path, toYaml(bundleInput(`model-${m}`)));
    return path;
  });
  for (const path of paths) {
    const r = await cli('bundles', 'register', '--file', path, '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = r.json<{ verdict: string; bundle: Bundle }>();
    assert.equal(out.verdict, 'created');
    assert.match(out.bundle.bundleId, /^b-[0-9a-f]{16}$/);
    assert.equal(out.bundle.registeredBy, 'tester');
    bundles.push(out.bundle);
  }
  const again = await cli('bundles', 'register', '--file', paths[0]!, '--json');
  assert.equal(again.json<{ verdict: string }>().verdict, 'exists');

  const list = await cli('bundles', 'list', '--json');
  assert.deepEqual(
    list.json<Bundle[]>().map((b) => b.bundleId),
    bundles.map((b) => b.bundleId),
  );
  const show = await cli('bundles', 'show', bundles[0]!.bundleId);
  assert.equal(show.code, 0);
  assert.match(show.stdout, /model-a/);
  assert.match(show.stdout, /state version s7/);

  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ modelId: 'x' }));
  const invalid = await cli('bundles', 'register', '--file', bad);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /promptTemplateVersion/);
  assert.equal((await cli('bundles', 'show', 'b-0000000000000000')).code, 3);
  assert.equal((await cli('bundles', 'register')).code, 2, 'missing --file is a usage error');
  assert.equal((await cli('bundles', 'shwo')).code, 2, 'a typo prints usage');
});

test('audit: verifies chains with reversion hashing; a tampered event exits 4 naming the first broken link', async () => {
  const entry = (rolloutId: string, i: number): AuditEntry => ({
    rolloutId,
    kind: 'rollout_command',
    actor: 'alice',
    subjectId: `${rolloutId}-c${i}`,
    tenantIds: ['acme'],
    details: { action: i === 0 ? 'start' : 'advance', n: i },
  });
  const good = chain(
    [0, 1, 2].map((i) => entry('ro-good', i)),
    Date.now(),
  );
  const bad = chain(
    [0, 1, 2].map((i) => entry('ro-bad', i)),
    Date.now(),
  );
  bad[1] = { ...bad[1]!, details: JSON.stringify({ action: 'advance', n: 99 }) };
  await send(
    'audit',
    [...good, ...bad].map((e) => ({ key: e.rolloutId, value: e })),
  );

  const ok = await cli('audit', 'verify', '--rollout', 'ro-good');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /3 events in 1 chain/);
  const broken = await cli('audit', 'verify', '--json');
  assert.equal(broken.code, 4);
  const v = broken.json<{ ok: boolean; broken: { rolloutId: string; seq: number; reason: string } }>();
  assert.equal(v.ok, false);
  assert.equal(v.broken.rolloutId, 'ro-bad');
  assert.equal(v.broken.seq, 2);
  assert.match(broken.stderr, /rollout ro-bad at seq 2 .*hash mismatch/);

  const timeline = await cli('audit', 'timeline', '--rollout', 'ro-good', '--json');
  assert.deepEqual(
    timeline.lines<{ seq: number; details: { n: number } }>().map((e) => [e.seq, e.details.n]),
    [
      [1, 0],
      [2, 1],
      [3, 2],
    ],
  );
  assert.equal((await cli('audit', 'timeline', '--rollout', 'ro-none')).code, 3);
});

test('who-served: the exact bundle at a time, from routing history or, once compacted, the audit trail', async () => {
  const [a, b] = bundles as [Bundle, Bundle];
  const t1 = Date.now() - 60_000;
  const cmd = (tenantId: string, epoch: number, at: number, candidate: Bundle | null): RoutingCommand => ({
    commandId: `${tenantId}:${epoch}`,
    tenantId,
    tenantTier: 'pro',
    epoch,
    rolloutId: 'ro-who',
    stable: routedBundleOf(a),
    candidate: candidate === null ? null : routedBundleOf(candidate),
    candidateArm: candidate === null ? null : 'canary',
    candidatePercent: candidate === null ? 0 : 10,
    sessionPolicy: 'none',
    reason: `step ${epoch}`,
    decisionId: null,
    issuedAt: at,
  });
  await send('routing', [
    { key: 'acme', value: cmd('acme', 1, t1, null) },
    { key: 'acme', value: cmd('acme', 2, t1 + 10_000, b) },
    { key: 'acme', value: cmd('acme', 3, t1 + 20_000, null) },
    { key: 'globex', value: cmd('globex', 2, t1 + 10_000, null) },
  ]);
  // globex's epoch 1 is gone from the compacted topic; the audit trail still has it.
  const step = (epoch: number, candidate: Bundle | null): AuditEntry => ({
    rolloutId: 'ro-who',
    kind: 'routing_command',
    actor: 'alice',
    subjectId: `globex:${epoch}`,
    tenantIds: ['globex'],
    details: {
      stableBundleId: a.bundleId,
      candidateBundleId: candidate?.bundleId ?? null,
      candidateArm: candidate === null ? null : 'canary',
      candidatePercent: candidate === null ? 0 : 25,
      rolloutId: 'ro-who',
      epoch,
      sessionPolicy: 'none',
      decisionId: null,
      reason: `step ${epoch}`,
    },
  });
  const trail = chain([step(1, b), step(2, null)], t1);
  await send(
    'audit',
    trail.map((e) => ({ key: e.rolloutId, value: e })),
  );

  const mid = await cli('who-served', '--tenant', 'acme', '--at', String(t1 + 15_000), '--json');
  assert.equal(mid.code, 0, mid.stderr);
  const m = mid.json<{
    epoch: number;
    stable: { bundleId: string; modelId: string; stateVersion: string };
    candidate: { bundleId: string; config: string };
    candidatePercent: number;
    source: string;
  }>();
  assert.equal(m.epoch, 2);
  assert.equal(m.stable.bundleId, a.bundleId);
  assert.equal(m.stable.modelId, 'model-a');
  assert.equal(m.candidate.bundleId, b.bundleId);
  assert.equal(m.candidate.config, b.config);
  assert.equal(m.candidatePercent, 10);
  assert.equal(m.source, 'routing');
  const text = await cli('who-served', '--tenant', 'acme', '--at', new Date(t1 + 5_000).toISOString());
  assert.match(text.stdout, /epoch 1/);
  assert.match(text.stdout, /all traffic on stable/);

  const old = await cli('who-served', '--tenant', 'globex', '--at', String(t1 + 1), '--json');
  assert.equal(old.code, 0, old.stderr);
  const o = old.json<{
    epoch: number;
    source: string;
    candidate: { bundleId: string; modelId: string };
    candidatePercent: number;
  }>();
  assert.deepEqual(
    [o.epoch, o.source, o.candidate.bundleId, o.candidate.modelId, o.candidatePercent],
    [1, 'audit', b.bundleId, 'model-b', 25],
  );

  assert.equal((await cli('who-served', '--tenant', 'acme', '--at', String(t1 - 1_000))).code, 3);
  assert.equal((await cli('who-served', '--tenant', 'acme', '--at', 'yesterday-ish')).code, 2);
});

test('decisions list shows statuses from the audit trail; approve/reject scope checks; approvals are written', async () => {
  const d1 = decision('ro-dec', 'dec-1', ['stark', 'wayne'], { mode: 'needs_approval', tiers: ['free'] });
  const d2 = decision('ro-dec', 'dec-2', ['acme']);
  const d3 = decision('ro-dec', 'dec-3', ['acme'], { mode: 'needs_approval' });
  const since = Date.now() - 1_000;
  await send(
    'decisions',
    [d1, d2, d1, d3].map((d) => ({ key: d.rolloutId, value: d })),
  );
  const trail = chain(
    [
      {
        rolloutId: 'ro-dec',
        kind: 'decision_received',
        actor: 'reversion',
        subjectId: 'dec-1',
        tenantIds: d1.tenantIds,
        details: { outcome: 'pending_approval' },
      },
      {
        rolloutId: 'ro-dec',
        kind: 'decision_received',
        actor: 'reversion',
        subjectId: 'dec-2',
        tenantIds: d2.tenantIds,
        details: { outcome: 'executed' },
      },
    ],
    Date.now(),
  );
  await send(
    'audit',
    trail.map((e) => ({ key: e.rolloutId, value: e })),
  );

  const list = await cli('decisions', 'list', '--rollout', 'ro-dec', '--since', String(since), '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    list
      .lines<{ decision: RollbackDecision; status: string }>()
      .map((r) => [r.decision.decisionId, r.status]),
    [
      ['dec-1', 'pending_approval'],
      ['dec-2', 'executed'],
      ['dec-3', 'unprocessed'],
    ],
    'one row per decision id',
  );
  assert.match(
    (await cli('decisions', 'list', '--rollout', 'ro-dec')).stdout,
    /dec-1\s+ro-dec\s+route_back\s+needs_approval\s+pending_approval/,
  );
  assert.equal(
    (await cli('decisions', 'list', '--since', String(Date.now() + 3_600_000), '--json')).stdout,
    '',
  );
  assert.equal((await cli('decisions', 'list', '--since', 'last tuesday')).code, 2);

  assert.equal((await cli('approve', 'dec-404', '--actor', 'bob')).code, 3);
  assert.equal(
    (await cli('approve', 'dec-2', '--actor', 'bob')).code,
    1,
    'an automatic decision takes no answer',
  );
  assert.equal(
    (await cli('approve', 'dec-1', '--tier', 'enterprise', '--actor', 'bob')).code,
    2,
    'tier outside the decision',
  );
  assert.equal((await cli('approve', 'dec-1', '--tier', 'free')).code, 2, '--actor is required');
  const early = await cli('approve', 'dec-3', '--actor', 'bob');
  assert.equal(early.code, 1, 'reversion has not audited dec-3: an answer now would be ignored');
  assert.match(early.stderr, /decision dec-3 is not audited by reversion yet/);
  const ok = await cli(
    'approve',
    'dec-1',
    '--tenants',
    'stark',
    '--actor',
    'bob',
    '--reason',
    'seen it',
    '--json',
  );
  assert.equal(ok.code, 0, ok.stderr);
  const rej = await cli('reject', 'dec-1', '--tier', 'free', '--actor', 'carol');
  assert.equal(rej.code, 0, rej.stderr);
  assert.match(rej.stdout, /rejected route_back dec-1 on rollout ro-dec for tier free/);
  const written = await readTopic(rt.kafka, rt.codec.bindings.approvals.name, 2);
  const values = await Promise.all(written.map((m) => rt.codec.decode('approvals', m.value)));
  assert.deepEqual(
    values.map((v) => [v.rolloutId, v.decisionId, v.verdict, v.tenantIds, v.tiers, v.actor]),
    [
      ['ro-dec', 'dec-1', 'approve', ['stark'], [], 'bob'],
      ['ro-dec', 'dec-1', 'reject', [], ['free'], 'carol'],
    ],
  );
});
