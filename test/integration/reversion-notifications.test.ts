import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { dlqHeaders, headerStrings } from '../../services/core/dead-letter.ts';
import * as k from '../../services/core/kafka.ts';
import { BundleRegistry } from '../../services/registry/service.ts';
import { verifyChain } from '../../services/reversion/core/index.ts';
import type { NotificationDeadLetter } from '../../services/reversion/notifier.ts';
import { ReversionService } from '../../services/reversion/service.ts';
import { reversionTopics } from '../../services/reversion/testing/environment.ts';
import { bundleInput, rolloutCommand, rolloutStart } from '../../services/reversion/testing/fixtures.ts';
import { TopicCollector } from '../../services/reversion/testing/topic-collector.ts';
import { parseWebhookTargets } from '../../services/reversion/webhook-targets.ts';
import {
  cleanup,
  counterValue,
  createTopics,
  readTopic,
  testRuntime,
  uniqueName,
  waitFor,
} from './helpers.ts';

const env = reversionTopics(uniqueName);
const rt = testRuntime('reversion-notify', env.rename);
const groups = [env.groupId];
after(() =>
  cleanup(
    rt.kafka,
    env.all.map((x) => x.topic),
    groups,
  ),
);

test('a webhook failing twice is retried to success; one always failing is dead-lettered and audited', async (t) => {
  await createTopics(rt.kafka, env.all);
  const received: Record<string, number> = { flaky: 0, broken: 0 };
  let flakyFailures = 2;
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/flaky') {
      received.flaky = (received.flaky ?? 0) + 1;
      if (flakyFailures-- > 0) return void res.writeHead(503).end();
      return void res.writeHead(200).end('ok');
    }
    received.broken = (received.broken ?? 0) + 1;
    res.writeHead(500).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const targets = parseWebhookTargets(`${base}/flaky,slack:${base}/services/T/B/broken`);
  assert.ok(targets.ok);

  const registry = new BundleRegistry({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
  await registry.start();
  const stable = (await registry.register(bundleInput('model-a'), 'alice')).bundle;
  const candidate = (await registry.register(bundleInput('model-b'), 'alice')).bundle;
  await registry.stop();
  const service = new ReversionService(rt, {
    options: {},
    targets: targets.targets,
    delivery: { timeoutMs: 1_000, retries: 2, initialBackoffMs: 20, maxBackoffMs: 100 },
    maxPayloadBytes: 16_384,
    tickIntervalMs: 200,
    app: env.app,
    groupId: env.groupId,
  });
  const audit = new TopicCollector(rt.kafka, rt.codec, 'audit');
  groups.push(audit.groupId);
  const producer = k.createIdempotentProducer(rt.kafka);
  try {
    await service.start();
    await audit.start();
    await producer.connect();
    await rt.codec.registerSchemas(['rollouts']);
    const send = (v: Parameters<typeof rt.codec.encode<'rollouts'>>[1]) =>
      producer.send({
        topic: rt.codec.bindings.rollouts.name,
        messages: [{ key: v.rolloutId, value: rt.codec.encode('rollouts', v) }],
      });
    await send(
      rolloutStart('n1', stable.bundleId, candidate.bundleId, [{ tenantId: 'n-t1', tenantTier: 'pro' }]),
    );
    await waitFor(() => audit.records.length >= 2, 'the rollout started');
    const t0 = Date.now();
    await send(rolloutCommand('n1', 'abort', 'n1-abort'));

    await waitFor(
      () => audit.values.some((e) => e.kind === 'notification_failed'),
      'notification_failed audited',
    );
    t.diagnostic(`abort → notification_failed audited in ${Date.now() - t0} ms`);
    assert.equal(received.flaky, 3, 'two 503s, then delivered');
    assert.equal(received.broken, 3, 'first attempt + 2 retries');
    const failed = audit.values.filter((e) => e.kind === 'notification_failed');
    assert.equal(failed.length, 1, 'only the slack target failed');
    const details = JSON.parse(failed[0]!.details) as { channel: string; error: string };
    assert.equal(details.channel, 'slack');
    assert.match(details.error, /HTTP 500/);
    assert.doesNotMatch(failed[0]!.details, /services\/T\/B/, 'the webhook URL is not in the audit trail');
    assert.deepEqual(verifyChain(audit.values), { ok: true });

    const [dead] = await readTopic(rt.kafka, service.deadLetterTopic, 1);
    const headers = headerStrings(dead?.headers);
    assert.equal(headers[dlqHeaders.reason], 'notification_failed');
    assert.equal(headers['webhook-kind'], 'slack');
    const letter = JSON.parse(dead?.value?.toString() ?? '{}') as NotificationDeadLetter;
    assert.equal(letter.notification.kind, 'rollout_aborted');
    assert.equal(letter.attempts, 3);
    assert.equal(letter.targetHost, new URL(base).host);
    assert.equal(
      await counterValue(rt.metrics, 'backtrack_reversion_webhook_deliveries_total', {
        target: 'generic',
        outcome: 'delivered',
      }),
      1,
    );
    assert.equal(
      await counterValue(rt.metrics, 'backtrack_reversion_webhook_deliveries_total', {
        target: 'slack',
        outcome: 'failed',
      }),
      1,
    );
  } finally {
    await service.stop();
    await audit.stop();
    await producer.disconnect();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
