import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { TopicKey } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import type { ValueOf } from '../../services/core/wire-types.ts';
import { BundleRegistry } from '../../services/registry/service.ts';
import { routedBundleOf, verifyChain } from '../../services/reversion/core/index.ts';
import { ReversionService } from '../../services/reversion/service.ts';
import { reversionTopics } from '../../services/reversion/testing/environment.ts';
import {
  approval,
  bundleInput,
  decision,
  rolloutCommand,
  rolloutStart,
} from '../../services/reversion/testing/fixtures.ts';
import { TopicCollector } from '../../services/reversion/testing/topic-collector.ts';
import { parseWebhookTargets } from '../../services/reversion/webhook-targets.ts';
import { cleanup, createTopics, testRuntime, uniqueName, waitFor } from './helpers.ts';

const env = reversionTopics(uniqueName);
const rt = testRuntime('reversion', env.rename);
const hooks: Array<{ kind: string; rolloutId: string; key: string }> = [];
let server: Server;
let service: ReversionService;
let registry: BundleRegistry;
let producer: k.Producer;
let routing: TopicCollector<'routing'>;
let audit: TopicCollector<'audit'>;

async function send<K extends TopicKey>(
  topic: K,
  value: ValueOf<K> & { rolloutId: string },
): Promise<number> {
  const sentAt = Date.now();
  await producer.send({
    topic: rt.codec.bindings[topic].name,
    acks: -1,
    messages: [{ key: value.rolloutId, value: rt.codec.encode(topic, value) }],
  });
  return sentAt;
}

/** Audit events about `subjectId` (a command, decision or approval id) with that outcome. */
const audited = (subjectId: string, outcome: string) =>
  audit.values.filter((e) => e.subjectId === subjectId && JSON.parse(e.details).outcome === outcome);
const recordsOf = (tenantId: string) => routing.records.filter((r) => r.value.tenantId === tenantId);
const commandsOf = (tenantId: string) => recordsOf(tenantId).map((r) => r.value);

before(async () => {
  await createTopics(rt.kafka, env.all);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { kind: string; rolloutId: string };
      hooks.push({ kind: body.kind, rolloutId: body.rolloutId, key: String(req.headers['idempotency-key']) });
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const targets = parseWebhookTargets(`http://127.0.0.1:${port}/backtrack`);
  assert.ok(targets.ok);
  registry = new BundleRegistry({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
  await registry.start();
  service = new ReversionService(rt, {
    options: { sessionPolicyByTier: { free: 'reset_with_notice' } },
    targets: targets.targets,
    delivery: { timeoutMs: 2_000, retries: 2, initialBackoffMs: 10, maxBackoffMs: 50 },
    maxPayloadBytes: 16_384,
    tickIntervalMs: 200,
    app: env.app,
    groupId: env.groupId,
  });
  producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await rt.codec.registerSchemas(['rollouts', 'decisions', 'approvals']);
  routing = new TopicCollector(rt.kafka, rt.codec, 'routing');
  audit = new TopicCollector(rt.kafka, rt.codec, 'audit');
  await Promise.all([routing.start(), audit.start()]);
});

after(async () => {
  await service?.stop();
  await registry?.stop();
  await routing?.stop();
  await audit?.stop();
  await producer?.disconnect();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await cleanup(
    rt.kafka,
    env.all.map((t) => t.topic),
    [env.groupId, routing.groupId, audit.groupId],
  );
});

test('routes a canary, rolls one tier back, waits for approval, aborts the rest, exactly once', async (t) => {
  const stable = (await registry.register(bundleInput('model-a'), 'alice')).bundle;
  const candidate = (await registry.register(bundleInput('model-b'), 'alice')).bundle;
  const t0 = performance.now();
  await service.start();
  t.diagnostic(`reversion started (tables read, group joined) in ${Math.round(performance.now() - t0)} ms`);

  const tenants = [
    { tenantId: 'ent-1', tenantTier: 'enterprise' },
    { tenantId: 'ent-2', tenantTier: 'enterprise' },
    { tenantId: 'free-1', tenantTier: 'free' },
  ];
  await send('rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
  await waitFor(() => routing.records.length >= 3, '3 routing commands for the canary');
  for (const c of routing.values) {
    assert.equal(c.epoch, 1);
    assert.deepEqual(c.candidate, routedBundleOf(candidate), 'the whole candidate bundle');
    assert.deepEqual(c.stable, routedBundleOf(stable));
    assert.equal(c.candidateArm, 'canary');
  }
  assert.deepEqual(routing.records.map((r) => r.key).sort(), ['ent-1', 'ent-2', 'free-1'], 'keyed by tenant');

  const latencies: number[] = [];
  const sentD1 = await send('decisions', decision('r1', 'd1', ['free-1'], { tiers: ['free'] }));
  await waitFor(() => commandsOf('free-1').length === 2, 'free-1 routed back');
  latencies.push(recordsOf('free-1')[1]!.receivedAt - sentD1);
  const back = commandsOf('free-1')[1]!;
  assert.equal(back.epoch, 2);
  assert.deepEqual(back.stable, routedBundleOf(stable));
  assert.equal(back.candidate, null);
  assert.equal(back.sessionPolicy, 'reset_with_notice');
  assert.equal(back.decisionId, 'd1');

  await send('decisions', decision('r1', 'd1', ['free-1'], { tiers: ['free'] }));
  await waitFor(() => audited('d1', 'duplicate_ignored').length === 1, 'the repeated decision processed');

  await send('decisions', decision('r1', 'd2', ['ent-1'], { mode: 'needs_approval' }));
  await waitFor(() => audited('d2', 'pending_approval').length === 1, 'd2 pending approval');
  assert.equal(commandsOf('ent-1').length, 1, 'nothing routed before the approval');

  const sentA1 = await send('approvals', approval('r1', 'd2', 'a1'));
  await send('approvals', approval('r1', 'd2', 'a1-again'));
  await waitFor(() => audited('a1-again', 'ignored').length === 1, 'the second approval processed');
  latencies.push(recordsOf('ent-1')[1]!.receivedAt - sentA1);
  assert.deepEqual(
    commandsOf('ent-1').map((c) => c.epoch),
    [1, 2],
    'executed exactly once',
  );

  await send('rollouts', rolloutCommand('r1', 'abort', 'r1-abort', { reason: 'manual' }));
  await waitFor(() => commandsOf('ent-2').length === 2, 'ent-2 back on abort');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(
    routing.values.map((c) => `${c.tenantId}@${c.epoch}`).sort(),
    ['ent-1@1', 'ent-1@2', 'ent-2@1', 'ent-2@2', 'free-1@1', 'free-1@2'],
    'every tenant back on stable, none routed twice',
  );
  assert.ok(routing.values.filter((c) => c.epoch === 2).every((c) => c.stable.bundleId === stable.bundleId));

  assert.deepEqual(verifyChain(audit.values), { ok: true });
  assert.deepEqual(new Set(audit.values.map((e) => e.rolloutId)), new Set(['r1']));
  assert.equal(new Set(audit.values.map((e) => e.auditId)).size, audit.values.length);

  await waitFor(() => hooks.some((h) => h.kind === 'rollout_aborted'), 'the abort notification');
  const kinds = hooks.map((h) => h.kind);
  for (const kind of ['rolled_back', 'approval_requested', 'approval_resolved', 'rollout_aborted'])
    assert.ok(kinds.includes(kind), `webhook got ${kind}: ${kinds.join(', ')}`);
  assert.equal(new Set(hooks.map((h) => h.key)).size, hooks.length, 'each notification POSTed once');
  t.diagnostic(`decision/approval → routing command visible to a reader: ${latencies.join(', ')} ms`);
});

test('decision → routing command latency over 20 rollouts', async (t) => {
  const stable = (await registry.register(bundleInput('model-a'), 'alice')).bundle;
  const candidate = (await registry.register(bundleInput('model-b'), 'alice')).bundle;
  const ids = Array.from({ length: 20 }, (_, i) => `lat-${i}`);
  for (const id of ids)
    await send(
      'rollouts',
      rolloutStart(id, stable.bundleId, candidate.bundleId, [{ tenantId: `${id}-t`, tenantTier: 'pro' }]),
    );
  await waitFor(() => ids.every((id) => commandsOf(`${id}-t`).length === 1), 'every latency rollout started');
  const latencies: number[] = [];
  for (const id of ids) {
    const sent = await send('decisions', decision(id, `${id}-d`, [`${id}-t`]));
    await waitFor(() => commandsOf(`${id}-t`).length === 2, `${id} routed back`, 10_000);
    latencies.push(recordsOf(`${id}-t`)[1]!.receivedAt - sent);
  }
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)]!;
  const max = latencies.at(-1)!;
  t.diagnostic(
    `decision produced → routing command read (read_committed): p50 ${p50} ms, max ${max} ms (n=${latencies.length})`,
  );
  const hist = await rt.metrics.registry
    .getSingleMetric('backtrack_reversion_decision_to_command_seconds')
    ?.get();
  const count = hist?.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === 'backtrack_reversion_decision_to_command_seconds_count' &&
      v.labels.via === 'automatic',
  );
  assert.ok((count?.value ?? 0) >= 21, 'the service observed each decision');
  const sum = hist?.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === 'backtrack_reversion_decision_to_command_seconds_sum' &&
      v.labels.via === 'automatic',
  );
  t.diagnostic(
    `backtrack_reversion_decision_to_command_seconds (record timestamp → transaction committed): mean ${Math.round(((sum?.value ?? 0) / (count?.value ?? 1)) * 1000)} ms`,
  );
  assert.ok(max < 5_000, `max ${max} ms`);
});
