import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ConfigError } from '../../services/core/errors.ts';
import { createLogger } from '../../services/core/logger.ts';
import { Metrics } from '../../services/core/metrics.ts';
import type { Notification } from '../../services/reversion/core/index.ts';
import { loadReversionConfig } from '../../services/reversion/config.ts';
import { reversionMetrics } from '../../services/reversion/metrics.ts';
import { WebhookNotifier, type NotificationDeadLetter } from '../../services/reversion/notifier.ts';
import { deliverWebhook, type DeliverySettings } from '../../services/reversion/webhook-delivery.ts';
import { webhookBody } from '../../services/reversion/webhook-payload.ts';
import { parseWebhookTargets, type WebhookTarget } from '../../services/reversion/webhook-targets.ts';

const SLACK = 'https://hooks.slack.com/services/T000/B000/SECRETTOKEN';
const PD = 'https://events.pagerduty.com/v2/enqueue';
const note: Notification = {
  kind: 'rolled_back',
  rolloutId: 'r1',
  severity: 'warning',
  summary: '2 tenant(s) routed back to b-1: p95 +42 %',
  decisionId: 'd1',
};
const fast: DeliverySettings = { timeoutMs: 1_000, retries: 3, initialBackoffMs: 1, maxBackoffMs: 5 };

function targetsOf(raw: string): WebhookTarget[] {
  const parsed = parseWebhookTargets(raw);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.targets;
}

describe('BACKTRACK_WEBHOOK_URLS', () => {
  test('parses generic, slack: and pagerduty:<key>@ entries', () => {
    const [generic, slack, pd] = targetsOf(
      `https://ops.example.com/hook, slack:${SLACK},pagerduty:R0UT1NGKEY@${PD}`,
    );
    assert.equal(generic?.kind, 'generic');
    assert.equal(slack?.kind, 'slack');
    assert.equal(slack?.url, SLACK);
    assert.equal(pd?.kind, 'pagerduty');
    assert.equal(pd?.routingKey, 'R0UT1NGKEY');
    assert.equal(pd?.host, 'events.pagerduty.com');
    assert.notEqual(generic?.id, slack?.id);
    assert.deepEqual(targetsOf(`slack:${SLACK}`)[0]?.id, slack?.id, 'ids are stable');
  });

  test('an empty value means no targets', () => {
    assert.deepEqual(parseWebhookTargets('  '), { ok: true, targets: [] });
  });

  test('bad entries are reported by position, never echoing the URL or key', () => {
    const parsed = parseWebhookTargets(
      `slack:ftp://x/SECRETTOKEN,pagerduty:${PD},,not a url,slack:${SLACK},slack:${SLACK}`,
    );
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.deepEqual(
      parsed.issues.map((i) => i.split(':')[0]),
      ['entry 1', 'entry 2', 'entry 3', 'entry 4', 'entry 6'],
    );
    assert.ok(parsed.issues.every((i) => !i.includes('SECRETTOKEN') && !i.includes('pagerduty.com')));
  });

  test('config errors name the key, and a bad webhook entry does not leak the URL', () => {
    assert.throws(
      () =>
        loadReversionConfig({
          BACKTRACK_WEBHOOK_URLS: `slack:htp:/SECRETTOKEN`,
          BACKTRACK_WEBHOOK_RETRIES: 'many',
          BACKTRACK_SESSION_POLICY_BY_TIER: 'free=maybe',
        }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /^BACKTRACK_WEBHOOK_RETRIES: expected integer 0\.\.20/m);
        assert.match(
          e.message,
          /^BACKTRACK_SESSION_POLICY_BY_TIER: expected <tier>=drain\|reset_with_notice/m,
        );
        assert.match(e.message, /^BACKTRACK_WEBHOOK_URLS: entry 1: slack: expected an http\(s\) URL/m);
        assert.doesNotMatch(e.message, /SECRETTOKEN/);
        return true;
      },
    );
  });

  test('defaults and per-tier session policies', () => {
    const c = loadReversionConfig({
      BACKTRACK_SESSION_POLICY_BY_TIER: 'free=reset_with_notice, enterprise=drain',
    });
    assert.deepEqual(c.options.sessionPolicyByTier, { free: 'reset_with_notice', enterprise: 'drain' });
    assert.equal(c.options.defaultOnApprovalTimeout, 'reject');
    assert.deepEqual(c.targets, []);
    assert.equal(c.delivery.retries, 5);
  });
});

describe('webhook bodies', () => {
  const [generic, slack, pd] = targetsOf(`https://ops.example.com/hook,slack:${SLACK},pagerduty:KEY@${PD}`);

  test('each kind gets its own payload', () => {
    assert.equal(JSON.parse(webhookBody(generic!, note)).source, 'backtrack-reversion');
    assert.match(JSON.parse(webhookBody(slack!, note)).text, /\[WARNING\] 2 tenant/);
    const event = JSON.parse(webhookBody(pd!, note));
    assert.equal(event.routing_key, 'KEY');
    assert.equal(event.dedup_key, 'backtrack/r1/d1');
  });

  test('an oversized summary is cut to fit the cap', () => {
    const big = { ...note, summary: 'x'.repeat(50_000) };
    for (const t of [generic!, slack!, pd!]) {
      const body = webhookBody(t, big, 4_096);
      assert.ok(Buffer.byteLength(body) <= 4_096, `${t.kind}: ${Buffer.byteLength(body)} bytes`);
      assert.ok(JSON.parse(body));
    }
    assert.match(JSON.parse(webhookBody(generic!, big, 4_096)).summary, /…$/);
  });
});

describe('webhook delivery against a local HTTP server', () => {
  let server: Server;
  let base = '';
  const seen = new Map<string, IncomingMessage[]>();
  const failuresLeft = new Map<string, number>([['/flaky', 2]]);

  before(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '';
      seen.set(path, [...(seen.get(path) ?? []), req]);
      req.resume();
      if (path === '/always-500') return void res.writeHead(500).end();
      if (path === '/bad-request') return void res.writeHead(400).end();
      if (path === '/slow') return void setTimeout(() => res.writeHead(200).end(), 2_000);
      const left = failuresLeft.get(path) ?? 0;
      if (left > 0) {
        failuresLeft.set(path, left - 1);
        return void res.writeHead(503).end();
      }
      res.writeHead(204).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const target = (path: string): WebhookTarget => targetsOf(`${base}${path}`)[0]!;
  const signal = () => new AbortController().signal;

  test('fails twice with 503, then succeeds: 3 attempts, one idempotency key', async () => {
    const result = await deliverWebhook(target('/flaky'), '{}', fast, {
      signal: signal(),
      idempotencyKey: 'k-1',
    });
    assert.deepEqual(result, { ok: true, attempts: 3, status: 204 });
    assert.deepEqual(
      seen.get('/flaky')?.map((r) => r.headers['idempotency-key']),
      ['k-1', 'k-1', 'k-1'],
    );
  });

  test('always 500: gives up after the bounded retries', async () => {
    const result = await deliverWebhook(target('/always-500'), '{}', fast, { signal: signal() });
    assert.equal(result.ok, false);
    assert.equal(result.attempts, 4);
    assert.match(!result.ok ? result.error : '', /generic 127\.0\.0\.1:\d+: HTTP 500/);
  });

  test('a 400 is final at once', async () => {
    const result = await deliverWebhook(target('/bad-request'), '{}', fast, { signal: signal() });
    assert.equal(result.attempts, 1);
    assert.equal(result.ok, false);
  });

  test('each attempt is bounded by the timeout', async () => {
    const t0 = performance.now();
    const result = await deliverWebhook(
      target('/slow'),
      '{}',
      { ...fast, timeoutMs: 100, retries: 1 },
      { signal: signal() },
    );
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error : '', /timed out after 100 ms/);
    assert.ok(performance.now() - t0 < 1_500);
  });

  test('an abort stops the retries and is not a final failure', async () => {
    const ac = new AbortController();
    const pending = deliverWebhook(
      target('/always-500'),
      '{}',
      { ...fast, initialBackoffMs: 5_000, maxBackoffMs: 5_000 },
      { signal: ac.signal },
    );
    setTimeout(() => ac.abort(), 50);
    const result = await pending;
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.aborted, true);
  });

  test('the notifier dead-letters a final failure with the host, not the URL', async () => {
    const letters: NotificationDeadLetter[] = [];
    const metrics = reversionMetrics(new Metrics({ service: 't', defaultMetrics: false }));
    const broken = targetsOf(`slack:${base}/always-500`)[0]!;
    const notifier = new WebhookNotifier({
      targets: [broken],
      delivery: fast,
      maxPayloadBytes: 16_384,
      deadLetters: { send: async (r) => void letters.push(r) },
      logger: createLogger({ service: 't', level: 'silent' }),
      metrics,
    });
    const outcome = await notifier.deliver(note, broken.id, { signal: signal(), idempotencyKey: 'k' });
    assert.equal(outcome.kind, 'failed');
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.targetHost, new URL(base).host);
    assert.doesNotMatch(JSON.stringify(letters[0]), /always-500/);
    assert.equal(
      (await notifier.deliver(note, 'gone', { signal: signal(), idempotencyKey: 'k' })).kind,
      'unknown_target',
    );
  });
});
