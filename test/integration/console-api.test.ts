/**
 * The console's HTTP API against the real broker: records seeded on its topics reach the read model;
 * 401 without a valid token, 403 below the route's role, 400 JSON on bad input, 404/409 on unknown or
 * settled targets, and an approval or abort lands on its topic carrying the token's name as actor.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopicKey } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import type { ValueOf } from '../../services/core/wire-types.ts';
import { parseTokens } from '../../services/console/auth.ts';
import { consoleTopics } from '../../services/console/feed.ts';
import { ConsoleService } from '../../services/console/service.ts';
import { decision, rolloutStart } from '../../services/reversion/testing/fixtures.ts';
import { cleanup, createTopics, readTopic, testRuntime, uniqueName, waitFor } from './helpers.ts';

const rename = Object.fromEntries(consoleTopics.map((t) => [t, uniqueName(`console-${t}`)])) as Record<
  (typeof consoleTopics)[number],
  string
>;
const rt = testRuntime('console', rename);
const TOKENS = {
  approver: 'approver-secret-0123456789',
  operator: 'operator-secret-0123456789',
  viewer: 'viewer-secret-0123456789ab',
};
const tokens = parseTokens(
  `alice:approver:${TOKENS.approver},oscar:operator:${TOKENS.operator},vera:viewer:${TOKENS.viewer}`,
);
assert.ok(tokens.ok);
let service: ConsoleService;
let producer: k.Producer;

async function send<K extends TopicKey>(topic: K, key: string, value: ValueOf<K>): Promise<void> {
  await producer.send({
    topic: rt.codec.bindings[topic].name,
    acks: -1,
    messages: [{ key, value: rt.codec.encode(topic, value) }],
  });
}

async function call(
  path: string,
  options: { token?: keyof typeof TOKENS; method?: string; body?: unknown; raw?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${TOKENS[options.token]}`;
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${service.url}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: payload,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text.startsWith('{') ? JSON.parse(text) : { text },
    headers: res.headers,
  };
}

before(async () => {
  await createTopics(
    rt.kafka,
    consoleTopics.map((t) => ({ topic: rename[t], compact: t === 'routing' || t === 'bundles' })),
  );
  await rt.codec.registerSchemas(['rollouts', 'decisions', 'audit']);
  producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  const tenants = [
    { tenantId: 'ent-1', tenantTier: 'enterprise' },
    { tenantId: 'pro-1', tenantTier: 'pro' },
  ];
  await send('rollouts', 'r1', rolloutStart('r1', 'b-stable', 'b-cand', tenants));
  await send(
    'decisions',
    'r1',
    decision('r1', 'd1', ['ent-1', 'pro-1'], { mode: 'needs_approval', tiers: ['enterprise', 'pro'] }),
  );
  await send('decisions', 'r1', decision('r1', 'd0', ['pro-1']));
  await send('audit', 'r1', {
    auditId: 'a1',
    rolloutId: 'r1',
    seq: 1,
    kind: 'decision_received',
    actor: 'reversion',
    subjectId: 'd1',
    tenantIds: ['ent-1', 'pro-1'],
    details: JSON.stringify({ outcome: 'pending_approval', deadline: Date.now() + 600_000 }),
    at: Date.now(),
    prevHash: '0'.repeat(64),
    hash: 'h1',
  });
  service = new ConsoleService(rt, { tokens: tokens.tokens, port: 0, host: '127.0.0.1' });
  await service.start();
  await service.ready(20_000);
});

after(async () => {
  await service?.stop();
  await producer?.disconnect();
  await cleanup(rt.kafka, Object.values(rename), service ? [service.feed.groupId] : []);
});

describe('console API', () => {
  test('401 without a valid token, as JSON with a Bearer challenge', async () => {
    for (const token of [undefined, 'Bearer not-a-known-token-123456']) {
      const res = await fetch(`${service.url}/api/rollouts`, {
        headers: token ? { authorization: token } : {},
      });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="backtrack"');
      assert.deepEqual(await res.json(), { error: 'missing or invalid bearer token' });
    }
    assert.equal((await call('/api/events')).status, 401);
  });

  test('a viewer reads rollouts, a rollout and the pending decisions with evidence', async () => {
    const list = await call('/api/rollouts', { token: 'viewer' });
    assert.equal(list.status, 200);
    const rollouts = list.body.rollouts as Array<{
      rolloutId: string;
      status: string;
      pendingApprovals: number;
    }>;
    assert.deepEqual(
      rollouts.map((r) => [r.rolloutId, r.status, r.pendingApprovals]),
      [['r1', 'running', 1]],
    );
    const detail = await call('/api/rollouts/r1', { token: 'viewer' });
    assert.equal(detail.status, 200);
    assert.deepEqual(
      (detail.body.tenantList as Array<{ tenantId: string }>).map((t) => t.tenantId),
      ['ent-1', 'pro-1'],
    );
    const pending = await call('/api/decisions?pending=1', { token: 'viewer' });
    const decisions = pending.body.decisions as Array<{ decisionId: string; evidence: unknown[] }>;
    assert.deepEqual(
      decisions.map((d) => d.decisionId),
      ['d1'],
    );
    assert.equal(decisions[0]?.evidence.length, 1);
    assert.equal((await call('/api/rollouts/nope', { token: 'viewer' })).status, 404);
  });

  test('403 below the role: a viewer cannot abort, an operator cannot approve', async () => {
    const abort = await call('/api/rollouts/r1/abort', {
      token: 'viewer',
      method: 'POST',
      body: { reason: 'x' },
    });
    assert.equal(abort.status, 403);
    assert.deepEqual(abort.body, { error: 'requires role operator; vera is viewer' });
    const approve = await call('/api/decisions/d1/approve', { token: 'operator', method: 'POST', body: {} });
    assert.equal(approve.status, 403);
  });

  test('bad input is a 400 JSON error naming the problem', async () => {
    const cases: Array<[string, { body?: unknown; raw?: string }, RegExp]> = [
      ['/api/decisions/d1/approve', { body: { tenantIds: 'ent-1' } }, /tenantIds: /],
      ['/api/decisions/d1/approve', { body: { verdict: 'approve' } }, /verdict/],
      ['/api/decisions/d1/approve', { body: { tenantIds: ['ent-1'], tiers: ['pro'] } }, /not both/],
      [
        '/api/decisions/d1/approve',
        { body: { tenantIds: ['free-9'] } },
        /tenants not in decision d1: free-9/,
      ],
      ['/api/decisions/d1/reject', { raw: '{"reason":' }, /JSON/i],
      ['/api/rollouts/r1/abort', { body: {} }, /reason/],
    ];
    for (const [path, input, expected] of cases) {
      const res = await call(path, { token: 'approver', method: 'POST', ...input });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(input)}`);
      assert.match(String(res.body.error), expected);
    }
    const query = await call('/api/decisions?pending=maybe', { token: 'viewer' });
    assert.equal(query.status, 400);
    assert.equal((await call('/api/status/a%20b')).status, 400);
  });

  test('an approver approves a tier of the pending decision: the Approval carries her name', async () => {
    const res = await call('/api/decisions/d1/approve', {
      token: 'approver',
      method: 'POST',
      body: { tiers: ['enterprise'], reason: 'confirmed' },
    });
    assert.equal(res.status, 202);
    const sent = res.body.approval as { approvalId: string };
    const records = await readTopic(rt.kafka, rename.approvals, 1);
    const approval = await rt.codec.decode('approvals', records[0]!.value);
    assert.deepEqual(
      { ...approval, answeredAt: 0 },
      {
        approvalId: sent.approvalId,
        decisionId: 'd1',
        rolloutId: 'r1',
        verdict: 'approve',
        tenantIds: [],
        tiers: ['enterprise'],
        actor: 'alice',
        reason: 'confirmed',
        answeredAt: 0,
      },
    );
    await waitFor(
      () => service.model.rollouts.get('r1')?.decisions.get('d1')?.approvals.length === 1,
      'the console reads its own approval back',
    );
    const settled = await call('/api/decisions/d0/approve', { token: 'approver', method: 'POST', body: {} });
    assert.equal(settled.status, 409);
    assert.equal(
      (await call('/api/decisions/zzz/reject', { token: 'approver', method: 'POST' })).status,
      404,
    );
  });

  test('an operator aborts: the command carries his name', async () => {
    const res = await call('/api/rollouts/r1/abort', {
      token: 'operator',
      method: 'POST',
      body: { reason: 'bad canary' },
    });
    assert.equal(res.status, 202);
    const records = await readTopic(rt.kafka, rename.rollouts, 2);
    const commands = await Promise.all(records.map((r) => rt.codec.decode('rollouts', r.value)));
    const abort = commands.find((c) => c.action === 'abort');
    assert.equal(abort?.actor, 'oscar');
    assert.equal(abort?.reason, 'bad canary');
  });

  test('public tenant status, live events, /metrics and /healthz', async () => {
    const status = await call('/api/status/pro-1');
    assert.equal(status.status, 200);
    assert.deepEqual(status.body, { tenantId: 'pro-1', status: 'unknown', tier: null, events: [] });
    const controller = new AbortController();
    const res = await fetch(`${service.url}/api/events`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
      signal: controller.signal,
    });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const first = await res.body!.getReader().read();
    assert.match(Buffer.from(first.value!).toString(), /event: hello\ndata: \{"version":\d+\}/);
    controller.abort();
    const metrics = await call('/metrics');
    assert.match(String(metrics.body.text), /backtrack_console_http_requests_total\{[^}]*status="403"/);
    assert.match(String(metrics.body.text), /backtrack_console_actions_total\{[^}]*kind="approve"[^}]*\} 1/);
    assert.equal((await call('/healthz')).status, 200);
    const page = await fetch(`${service.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal((await fetch(`${service.url}/vendor/uplot/uPlot.esm.js`)).status, 200);
    assert.equal((await fetch(`${service.url}/vendor/uplot/package.json`)).status, 404);
  });
});
