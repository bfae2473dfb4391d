import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import avsc from 'avsc';
import { avroSchemas } from '../../schemas/index.ts';
import type { AuditEvent, Bundle, RoutingCommand } from '../../schemas/types.ts';
import { MockProcessorContext, testRecord } from '../../services/core/testing/mock-context.ts';
import { routedBundleOf, verifyChain, type Notification } from '../../services/reversion/core/index.ts';
import { reversionMetrics } from '../../services/reversion/metrics.ts';
import type { DeliveryOutcome, NotificationSink } from '../../services/reversion/notifier.ts';
import { ReversionProcessor } from '../../services/reversion/processor.ts';
import { RoutingView } from '../../services/reversion/routing-view.ts';
import {
  approval,
  bundleInput,
  bundleOf,
  decision,
  rolloutCommand,
  rolloutStart,
} from '../../services/reversion/testing/fixtures.ts';

const STORE = 'routing-state';
const stable = bundleOf(bundleInput('model-a'));
const candidate = bundleOf(bundleInput('model-b'));
const bundles = new Map<string, Bundle>([
  [stable.bundleId, stable],
  [candidate.bundleId, candidate],
]);
const tenants = [
  { tenantId: 't-ent-1', tenantTier: 'enterprise' },
  { tenantId: 't-ent-2', tenantTier: 'enterprise' },
  { tenantId: 't-free-1', tenantTier: 'free' },
];

class FakeSink implements NotificationSink {
  readonly delivered: Notification[] = [];
  outcome: DeliveryOutcome = { kind: 'delivered', attempts: 1 };
  targetIds(): string[] {
    return ['generic-test'];
  }
  async deliver(n: Notification): Promise<DeliveryOutcome> {
    this.delivered.push(n);
    return this.outcome;
  }
}

interface Harness {
  ctx: MockProcessorContext;
  processor: ReversionProcessor;
  sink: FakeSink;
  table: Map<string, RoutingCommand>;
  clock: { now: number };
  offset: number;
}

async function harness(
  previous?: Harness,
  options: ConstructorParameters<typeof ReversionProcessor>[0]['options'] = {},
): Promise<Harness> {
  const ctx = new MockProcessorContext({ app: 'reversion', stores: [STORE], wallClockMs: 1_000 });
  if (previous) ctx.stores.set(STORE, previous.ctx.stores.get(STORE)!);
  const sink = new FakeSink();
  const table = previous?.table ?? new Map<string, RoutingCommand>();
  const clock = previous?.clock ?? { now: 1_750_000_100_000 };
  const processor = new ReversionProcessor({
    bundles: () => bundles,
    routing: new RoutingView(table),
    notifier: sink,
    metrics: reversionMetrics(ctx.metrics),
    options,
    now: () => clock.now,
    tickIntervalMs: 1_000,
    bundleWaitMs: 0,
  });
  await processor.init(ctx);
  return { ctx, processor, sink, table, clock, offset: previous?.offset ?? 0 };
}

type In = Parameters<ReversionProcessor['process']>[0];
async function feed<T extends In['topic']>(h: Harness, topic: T, value: Extract<In, { topic: T }>['value']) {
  const r = testRecord(topic, value as never, h.clock.now - 5, {
    key: value.rolloutId,
    offset: String(h.offset++),
  });
  await h.ctx.process(h.processor, r);
}

const commands = (h: Harness) => h.ctx.forwardedTo('routing');
const audit = (h: Harness) => h.ctx.forwardedTo('audit') as AuditEvent[];

async function metricValue(h: Harness, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await h.ctx.metrics.registry.getSingleMetric(name)?.get();
  return (m?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('reversion processor', () => {
  test('a canary start routes every tenant at epoch 1 with the whole candidate bundle', async () => {
    const h = await harness();
    await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
    const out = commands(h);
    assert.deepEqual(
      out.map((c) => [c.tenantId, c.epoch]),
      tenants.map((t) => [t.tenantId, 1]),
    );
    for (const c of out) {
      assert.equal(c.candidate?.bundleId, candidate.bundleId);
      assert.equal(c.candidate?.modelVersionHash, candidate.modelVersionHash);
      assert.equal(c.stable.toolSchemaVersion, stable.toolSchemaVersion);
      assert.equal(c.candidatePercent, 10);
    }
    assert.deepEqual(verifyChain(audit(h)), { ok: true });
  });

  test('state survives a new processor on the same store: route_back continues at epoch 2', async () => {
    const first = await harness();
    await feed(first, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
    await first.processor.committed();
    const second = await harness(first);
    await feed(second, 'decisions', decision('r1', 'd1', ['t-ent-1', 't-ent-2']));
    assert.deepEqual(
      commands(second).map((c) => [c.tenantId, c.epoch, c.stable.bundleId, c.candidate]),
      [
        ['t-ent-1', 2, stable.bundleId, null],
        ['t-ent-2', 2, stable.bundleId, null],
      ],
    );
    assert.deepEqual(verifyChain([...audit(first), ...audit(second)]), { ok: true });
  });

  test('a processor reloaded from its store mid-way produces exactly what one without the reload does', async () => {
    const before = async (h: Harness) => {
      await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
      await feed(h, 'decisions', decision('r1', 'd2', ['t-ent-1'], { mode: 'needs_approval' }));
      await feed(h, 'decisions', decision('r1', 'd1', ['t-free-1']));
      await feed(h, 'approvals', approval('r0', 'dx', 'ax'));
    };
    const after = async (h: Harness) => {
      await feed(h, 'approvals', approval('r1', 'd2', 'a1'));
      await feed(h, 'rollouts', rolloutCommand('r1', 'abort', 'r1-abort'));
      await feed(h, 'decisions', decision('r1', 'd1', ['t-free-1']));
      await feed(h, 'approvals', approval('r0', 'dy', 'ay'));
    };
    const straight = await harness();
    await before(straight);
    const cut = straight.ctx.forwarded.length;
    await after(straight);
    const first = await harness();
    await before(first);
    await first.processor.committed();
    const reloaded = await harness(first);
    await after(reloaded);
    assert.deepEqual(reloaded.ctx.forwarded, straight.ctx.forwarded.slice(cut));
    assert.equal(reloaded.ctx.forwarded.length, 8);
  });

  test('epochs continue from the routing table when another partition routed the tenant last', async () => {
    const h = await harness();
    await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants.slice(0, 1)));
    const [first] = commands(h);
    assert.ok(first);
    h.table.set('t-ent-1', {
      ...first,
      epoch: 7,
      candidate: null,
      candidateArm: null,
      candidatePercent: 0,
      rolloutId: 'r0',
    });
    await feed(h, 'rollouts', rolloutCommand('r1', 'abort', 'r1-abort'));
    assert.deepEqual(
      commands(h).map((c) => c.epoch),
      [1, 8],
    );
  });

  test('the same decision twice routes once', async () => {
    const h = await harness();
    await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
    await feed(h, 'decisions', decision('r1', 'd1', ['t-free-1']));
    await feed(h, 'decisions', decision('r1', 'd1', ['t-free-1']));
    assert.equal(commands(h).filter((c) => c.tenantId === 't-free-1').length, 2);
    assert.deepEqual(verifyChain(audit(h)), { ok: true });
  });

  test('notifications are delivered only after the commit, then leave the outbox', async () => {
    const h = await harness();
    await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
    await feed(h, 'decisions', decision('r1', 'd1', ['t-ent-1']));
    assert.equal(h.sink.delivered.length, 0, 'nothing delivered before the commit');
    const stored = async () => {
      let n = 0;
      for await (const { key } of h.ctx.stores.get(STORE)!.range())
        if (key.toString().startsWith('outbox/')) n++;
      return n;
    };
    assert.equal(await stored(), 1);
    await h.processor.committed();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      h.sink.delivered.map((n) => n.kind),
      ['rolled_back'],
    );
    await h.ctx.advanceWallClock(3_000);
    assert.equal(await stored(), 0);
  });

  test('a final delivery failure becomes a notification_failed audit event in the rollout chain', async () => {
    const h = await harness();
    h.sink.outcome = {
      kind: 'failed',
      channel: 'slack',
      error: 'slack hooks.slack.com: HTTP 500',
      attempts: 6,
    };
    await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
    await feed(h, 'rollouts', rolloutCommand('r1', 'abort', 'r1-abort'));
    await h.processor.committed();
    await new Promise((r) => setImmediate(r));
    await h.ctx.advanceWallClock(3_000);
    const failed = audit(h).filter((e) => e.kind === 'notification_failed');
    assert.equal(failed.length, 1);
    assert.match(failed[0]?.details ?? '', /HTTP 500/);
    assert.deepEqual(verifyChain(audit(h)), { ok: true });
  });

  test('needs_approval routes nothing; a duplicated approval executes once', async () => {
    const h = await harness();
    await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
    await feed(h, 'decisions', decision('r1', 'd2', ['t-ent-1'], { mode: 'needs_approval' }));
    assert.equal(commands(h).length, 3);
    await feed(h, 'approvals', approval('r1', 'd2', 'a1'));
    await feed(h, 'approvals', approval('r1', 'd2', 'a1-retry'));
    assert.deepEqual(
      commands(h)
        .slice(3)
        .map((c) => [c.tenantId, c.epoch]),
      [['t-ent-1', 2]],
    );
    await h.processor.committed();
    assert.equal(
      await metricValue(h, 'backtrack_reversion_decisions_executed_total', { via: 'approval' }),
      1,
    );
  });

  test('an approval deadline is resolved by the wall-clock punctuator', async () => {
    const h = await harness();
    await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
    await feed(
      h,
      'decisions',
      decision('r1', 'd3', [], {
        action: 'halt_rollout',
        mode: 'needs_approval',
        approvalTimeoutMs: 60_000,
        onApprovalTimeout: 'execute',
      }),
    );
    h.clock.now += 61_000;
    await h.ctx.advanceWallClock(62_000);
    assert.deepEqual(
      commands(h)
        .slice(3)
        .map((c) => [c.tenantId, c.epoch, c.candidate]),
      tenants.map((t) => [t.tenantId, 2, null]),
    );
    assert.ok(audit(h).some((e) => e.kind === 'approval_timeout'));
  });

  test('metrics count only committed outputs', async () => {
    const h = await harness();
    await feed(h, 'rollouts', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants));
    await feed(h, 'decisions', decision('r1', 'd1', ['t-free-1']));
    assert.equal(await metricValue(h, 'backtrack_reversion_routing_commands_total'), 0);
    await h.processor.committed();
    assert.equal(
      await metricValue(h, 'backtrack_reversion_routing_commands_total', { reason: 'start', via: 'command' }),
      3,
    );
    assert.equal(
      await metricValue(h, 'backtrack_reversion_routing_commands_total', {
        reason: 'route_back',
        via: 'decision',
        tier: 'free',
      }),
      1,
    );
    assert.equal(
      await metricValue(h, 'backtrack_reversion_decisions_executed_total', {
        action: 'route_back',
        via: 'automatic',
      }),
      1,
    );
    const hist = await h.ctx.metrics.registry
      .getSingleMetric('backtrack_reversion_decision_to_command_seconds')
      ?.get();
    const count = hist?.values.find(
      (v) =>
        (v as { metricName?: string }).metricName === 'backtrack_reversion_decision_to_command_seconds_count',
    );
    assert.equal(count?.value, 1);
    const breach = await h.ctx.metrics.registry
      .getSingleMetric('backtrack_reversion_breach_to_command_seconds')
      ?.get();
    const sum = breach?.values.find(
      (v) =>
        (v as { metricName?: string }).metricName === 'backtrack_reversion_breach_to_command_seconds_sum',
    );
    assert.deepEqual(
      [sum?.labels.action, sum?.value],
      ['route_back', 100],
      'decidedAt is 100 s before the commit',
    );
  });

  test('a refused revert (candidate tool schema incompatible) is counted and routes nothing', async () => {
    const h = await harness();
    const oldTools = bundleOf(bundleInput('model-old', 'v2.0.0'));
    bundles.set(oldTools.bundleId, oldTools);
    try {
      const onV3 = tenants.slice(0, 1);
      h.table.set('t-ent-1', {
        commandId: 't-ent-1:4',
        tenantId: 't-ent-1',
        tenantTier: 'enterprise',
        epoch: 4,
        rolloutId: null,
        stable: routedBundleOf(oldTools),
        candidate: null,
        candidateArm: null,
        candidatePercent: 0,
        sessionPolicy: 'none',
        reason: 'seed',
        decisionId: null,
        issuedAt: 1,
      });
      await feed(
        h,
        'rollouts',
        rolloutStart('r9', oldTools.bundleId, candidate.bundleId, onV3, {
          strategy: 'blue_green',
          canaryPercent: null,
        }),
      );
      assert.deepEqual(
        commands(h).map((c) => c.epoch),
        [5],
      );
      await feed(h, 'decisions', decision('r9', 'd9', ['t-ent-1']));
      assert.equal(commands(h).length, 1, 'no revert to a bundle breaking the live tool contract');
      await h.processor.committed();
      assert.equal(await metricValue(h, 'backtrack_reversion_refusals_total', { via: 'decision' }), 1);
    } finally {
      bundles.delete(oldTools.bundleId);
    }
  });

  test('inputs decoded by avsc (record-class instances) are kept and audited as plain JSON', async () => {
    const h = await harness();
    const avro = <T>(schema: keyof typeof avroSchemas, v: T): T => {
      const type = avsc.Type.forSchema(avroSchemas[schema] as avsc.Schema, { omitRecordMethods: true });
      return type.fromBuffer(type.toBuffer(v)) as T;
    };
    await feed(
      h,
      'rollouts',
      avro('RolloutCommand', rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants)),
    );
    await feed(
      h,
      'decisions',
      avro('RollbackDecision', decision('r1', 'd5', ['t-ent-1'], { mode: 'needs_approval', dryRun: false })),
    );
    await feed(h, 'decisions', avro('RollbackDecision', decision('r1', 'd6', ['t-ent-2'], { dryRun: true })));
    await feed(h, 'approvals', avro('Approval', approval('r1', 'd5', 'a5')));
    assert.equal(commands(h).length, 4);
    assert.deepEqual(verifyChain(audit(h)), { ok: true });
  });

  test('a record whose key is not its rolloutId is skipped', async () => {
    const h = await harness();
    const start = rolloutStart('r1', stable.bundleId, candidate.bundleId, tenants);
    await h.ctx.process(h.processor, testRecord('rollouts', start, 1, { key: 'other' }));
    assert.equal(h.ctx.forwarded.length, 0);
    assert.equal(await metricValue(h, 'backtrack_reversion_misrouted_total'), 1);
  });
});
