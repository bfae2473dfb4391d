/**
 * The dashboard in headless Chromium (Debian `chromium`, driven by playwright-core) against a real
 * piece of the pipeline: the reversion service and the console, in process, on the real broker.
 * A rollout is started and a needs_approval route_back is produced straight to the topics; the page
 * shows the rollout, its ALERT charts and the pending decision; a click on Approve (as `alice`) makes
 * reversion route the tenants back, the audit trail names alice, and the page updates live.
 * A screenshot goes to .data/console-screenshot.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { AlertScore } from '../../schemas/types.ts';
import type { TopicKey } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import type { ValueOf } from '../../services/core/wire-types.ts';
import { parseTokens } from '../../services/console/auth.ts';
import { ConsoleService } from '../../services/console/service.ts';
import { BundleRegistry } from '../../services/registry/service.ts';
import { ReversionService } from '../../services/reversion/service.ts';
import { reversionTopics } from '../../services/reversion/testing/environment.ts';
import { bundleInput, decision, rolloutStart } from '../../services/reversion/testing/fixtures.ts';
import { TopicCollector } from '../../services/reversion/testing/topic-collector.ts';
import { cleanup, createTopics, testRuntime, uniqueName, waitFor } from '../integration/helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = '.data/console-screenshot.png';
const TOKEN = 'alice-approver-token-0123456789';
const env = reversionTopics(uniqueName);
const scoresTopic = uniqueName('console-scores');
const rename: Partial<Record<TopicKey, string>> = { ...env.rename, scores: scoresTopic };
const rt = testRuntime('reversion', rename);
const crt = testRuntime('console', rename);
const tokens = parseTokens(`alice:approver:${TOKEN}`);
assert.ok(tokens.ok);
const tenants = [
  { tenantId: 'ent-1', tenantTier: 'enterprise' },
  { tenantId: 'ent-2', tenantTier: 'enterprise' },
  { tenantId: 'pro-1', tenantTier: 'pro' },
  { tenantId: 'free-1', tenantTier: 'free' },
];
const ROLLOUT = 'r-browser';

let registry: BundleRegistry;
let reversion: ReversionService;
let consoleService: ConsoleService;
let producer: k.Producer;
let routing: TopicCollector<'routing'>;
let audit: TopicCollector<'audit'>;
let browser: Browser | undefined;

async function send<K extends TopicKey>(topic: K, key: string, value: ValueOf<K>): Promise<void> {
  await producer.send({
    topic: rt.codec.bindings[topic].name,
    acks: -1,
    messages: [{ key, value: rt.codec.encode(topic, value) }],
  });
}

function score(tenantId: string, tier: string, windowEnd: number, composite: number): AlertScore {
  return {
    scoreId: `${ROLLOUT}/${tenantId}/${windowEnd}`,
    rolloutId: ROLLOUT,
    tenantId,
    tenantTier: tier,
    windowEnd,
    anomaly: composite / 2,
    latency: composite,
    errors: 0.05,
    regression: 0.1,
    breadth: 0.5,
    cost: 0,
    safety: 0,
    composite,
    verdict: composite > 0.6 ? 'degraded' : 'ok',
    baselineSource: 'concurrent',
    evidence: [],
  };
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);
  await createTopics(rt.kafka, [...env.all, { topic: scoresTopic, partitions: 1, compact: false }]);
  registry = new BundleRegistry({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
  await registry.start();
  producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await rt.codec.registerSchemas(['rollouts', 'decisions', 'scores']);
  routing = new TopicCollector(rt.kafka, rt.codec, 'routing');
  audit = new TopicCollector(rt.kafka, rt.codec, 'audit');
  await Promise.all([routing.start(), audit.start()]);
  reversion = new ReversionService(rt, {
    options: {},
    targets: [],
    delivery: { timeoutMs: 1_000, retries: 0, initialBackoffMs: 10, maxBackoffMs: 10 },
    maxPayloadBytes: 16_384,
    tickIntervalMs: 200,
    app: env.app,
    groupId: env.groupId,
  });
  consoleService = new ConsoleService(crt, {
    tokens: tokens.tokens,
    port: 0,
    host: '127.0.0.1',
    throttleMs: 100,
  });
  await Promise.all([reversion.start(), consoleService.start()]);
});

after(async () => {
  await browser?.close();
  await consoleService?.stop();
  await reversion?.stop();
  await registry?.stop();
  await Promise.all([routing?.stop(), audit?.stop()]);
  await producer?.disconnect();
  await cleanup(
    rt.kafka,
    [...env.all.map((t) => t.topic), scoresTopic],
    [env.groupId, routing.groupId, audit.groupId, consoleService.feed.groupId],
  );
});

test(
  'an approver approves a pending rollback on the dashboard and sees it executed',
  { timeout: 60_000 },
  async (t) => {
    const stable = (await registry.register(bundleInput('model-a'), 'ops')).bundle;
    const candidate = (await registry.register(bundleInput('model-b'), 'ops')).bundle;
    await send('rollouts', ROLLOUT, rolloutStart(ROLLOUT, stable.bundleId, candidate.bundleId, tenants));
    await waitFor(
      () => routing.values.filter((c) => c.rolloutId === ROLLOUT).length === 4,
      'the canary routed',
    );
    const t0 = Date.now() - 20 * 60_000;
    for (let w = 0; w < 20; w++)
      for (const [i, { tenantId, tenantTier }] of tenants.entries()) {
        const bad = tenantTier !== 'free' && w >= 12;
        await send(
          'scores',
          ROLLOUT,
          score(tenantId, tenantTier, t0 + w * 60_000, (bad ? 0.55 + w * 0.01 : 0.1) + i * 0.02),
        );
      }
    const asked = decision(ROLLOUT, 'd-browser', ['ent-1', 'ent-2', 'pro-1'], {
      mode: 'needs_approval',
      tiers: ['enterprise', 'pro'],
      compositeScore: 0.66,
      breadth: 0.75,
      reasons: ['p95 latency +40 % on enterprise and pro, between the flag and act lines'],
      decidedAt: t0 + 19 * 60_000,
      candidateBundleId: candidate.bundleId,
      baselineBundleId: stable.bundleId,
    });
    await send('decisions', ROLLOUT, asked);
    await waitFor(
      () =>
        consoleService.model.rollouts.get(ROLLOUT)?.decisions.get(asked.decisionId)?.status ===
        'pending_approval',
      'reversion audits the decision as pending and the console reads it',
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${consoleService.url}/`);
    await page.locator('#message').filter({ hasText: 'Enter a token above' }).waitFor();
    await page.fill('#token', TOKEN);
    await page.click('#token-form button');
    const card = page.locator(`#pending [data-decision="${asked.decisionId}"]`);
    await card.waitFor();
    await page.locator(`#rollouts tr[data-rollout="${ROLLOUT}"]`).waitFor();
    await page.locator('#live[data-state="live"]').waitFor();
    assert.equal(await page.locator('#chart-tiers .uplot').count(), 1, 'the per-tier chart is drawn');
    assert.equal(await page.locator('#chart-tenants .uplot').count(), 1, 'the per-tenant chart is drawn');
    assert.match(await card.locator('table.evidence').innerText(), /latency_p95/);
    assert.equal(await page.locator('#tenants tr[data-tenant="ent-1"] .badge').innerText(), 'candidate');

    const clickedAt = Date.now();
    await card.locator('button.approve').click();
    await waitFor(
      () => routing.values.filter((c) => c.decisionId === asked.decisionId).length === 3,
      'three tenants routed back by the approved decision',
    );
    await waitFor(() => audit.values.some((e) => e.kind === 'approval'), 'the approval audited');
    const approvals = audit.values.filter((e) => e.kind === 'approval');
    assert.equal(approvals.length, 1);
    assert.equal(approvals[0]?.actor, 'alice', 'the audit trail names the approver');
    assert.equal(JSON.parse(approvals[0]!.details).outcome, 'executed');

    const executed = page.locator(
      `#decisions [data-decision="${asked.decisionId}"].status-executed .resolved-by`,
    );
    await executed.waitFor();
    t.diagnostic(`click → page shows executed: ${Date.now() - clickedAt} ms`);
    assert.match(await executed.innerText(), /^alice at /);
    await page.locator('#no-pending').waitFor();
    await page
      .locator('#message')
      .filter({ hasText: `${asked.decisionId}: executed (alice).` })
      .waitFor();
    await page.locator('#tenants tr[data-tenant="ent-1"] .routing-rolled_back').waitFor();
    assert.equal(await page.locator('#tenants tr[data-tenant="free-1"] .badge').innerText(), 'candidate');
    mkdirSync('.data', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const status = await browser.newPage();
    await status.goto(`${consoleService.url}/status.html?tenant=pro-1`);
    await status.locator('#events li.event-rolled_back').waitFor();
    assert.match(await status.locator('#events').innerText(), /A rollback affected the pro tier at /);
    assert.doesNotMatch(await status.locator('body').innerText(), new RegExp(candidate.bundleId));
    assert.deepEqual(problems, [], 'no errors in the page (scripts, CSP)');
  },
);
