import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RoutingCommand, TelemetryEvent } from '../../schemas/types.ts';
import {
  createAdmin,
  createConsumer,
  createIdempotentProducer,
  type Admin,
  type Producer,
} from '../../services/core/kafka.ts';
import { createGatewayRuntime } from '../../services/gateway/gateway-runtime.ts';
import { RoutingFollower } from '../../services/gateway/routing-follower.ts';
import { acceleratedClock } from '../../services/gateway/simulator/clock.ts';
import { createSimulator } from '../../services/gateway/simulator/simulator.ts';
import { TelemetryProducer } from '../../services/gateway/telemetry-producer.ts';
import { applyTopology } from '../../topology/apply.ts';
import { topics } from '../../topology/topics.ts';
import { routingCommand } from '../unit/gateway-fixtures.ts';

const run = randomUUID().slice(0, 8);
const names = {
  telemetry: `gw-sim-telemetry-${run}`,
  evals: `gw-sim-evals-${run}`,
  routing: `gw-sim-routing-${run}`,
};
const rt = createGatewayRuntime({
  service: 'gateway-it',
  topics: names,
  logLevel: 'error',
  defaultMetrics: false,
});
let admin: Admin;
let writer: Producer;

const routing = (tenantId: string, epoch: number, percent: number): RoutingCommand =>
  routingCommand({
    tenantId,
    epoch,
    percent,
    tier: 'enterprise',
    rolloutId: 'r-sim',
    reason: percent > 0 ? 'canary' : 'route back',
    issuedAt: Date.now(),
  });

async function writeRouting(commands: RoutingCommand[]): Promise<void> {
  const messages = commands.map((c) => ({ key: c.tenantId, value: rt.codec.encode('routing', c) }));
  await writer.send({ topic: names.routing, messages, acks: -1 });
}

async function readTelemetry(expected: number): Promise<TelemetryEvent[]> {
  const consumer = createConsumer(rt.kafka, { groupId: `gw-sim-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [names.telemetry], fromBeginning: true });
  const got: TelemetryEvent[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${got.length}/${expected}`)), 30_000);
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) got.push(await rt.codec.decode('telemetry', m.value));
        if (got.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return got;
}

before(async () => {
  admin = createAdmin(rt.kafka);
  await admin.connect();
  await applyTopology(admin, [
    { ...topics.telemetry, name: names.telemetry, partitions: 3 },
    { ...topics.evals, name: names.evals, partitions: 3 },
    { ...topics.routing, name: names.routing, partitions: 3 },
  ]);
  await rt.codec.registerSchemas(['routing']);
  writer = createIdempotentProducer(rt.kafka);
  await writer.connect();
});

after(async () => {
  await writer.disconnect();
  await admin.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
  for (const n of Object.values(names))
    await rt.codec.http.deleteSubject(`${n}-value`).catch(() => undefined);
  await admin.disconnect();
});

describe('gateway simulator against the real broker', () => {
  test('moves a tenant’s traffic to the stable bundle as soon as it is routed back (60× event time)', async (t) => {
    const producer = new TelemetryProducer({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
    await producer.start();
    const follower = new RoutingFollower({
      kafka: rt.kafka,
      codec: rt.codec,
      logger: rt.logger,
      gatewayId: 'sim-it',
    });
    t.after(() => follower.stop());
    await writeRouting(['tenant-000', 'tenant-001'].map((id) => routing(id, 1, 50)));
    await follower.start();
    await follower.ready(15_000);

    const clock = acceleratedClock({ speed: 60 });
    const sim = createSimulator({
      producer,
      follower,
      clock,
      seed: 11,
      tenants: 5,
      rateScale: 2,
      defaultBundleId: 'b-stable',
      regressions: [{ bundleId: 'b-cand', profile: 'latency' }],
      gatewayId: 'sim-it',
    });
    const wallStart = Date.now();
    sim.start();
    await new Promise((r) => setTimeout(r, 1_500));
    await writeRouting([routing('tenant-000', 2, 0)]);
    await follower.waitUntil((f) => f.routeFor('tenant-000')?.epoch === 2, 10_000);
    const routedBackAt = clock.now();
    const atRouteBack = sim.tenantTraffic('tenant-000');
    await new Promise((r) => setTimeout(r, 1_500));
    await sim.stop();
    await producer.close();
    await follower.stop();

    const after = sim.tenantTraffic('tenant-000');
    assert.ok((atRouteBack['b-cand'] ?? 0) > 10, 'the canary served tenant-000 before');
    assert.equal(after['b-cand'], atRouteBack['b-cand'], 'no candidate request after the route-back');
    assert.ok((after['b-stable'] ?? 0) > (atRouteBack['b-stable'] ?? 0) + 10, 'stable took its traffic');
    assert.ok((sim.tenantTraffic('tenant-001')['b-cand'] ?? 0) > (atRouteBack['b-cand'] ?? 0) / 2);
    assert.deepEqual(
      Object.keys(sim.tenantTraffic('tenant-004')),
      ['b-stable'],
      'no routing: default bundle',
    );

    const stats = sim.stats();
    const events = await readTelemetry(stats.telemetry);
    assert.equal(events.length, stats.telemetry);
    const t0 = events.filter((e) => e.tenantId === 'tenant-000');
    assert.ok(t0.filter((e) => e.bundleId === 'b-cand').every((e) => e.timestamp < routedBackAt));
    const span = Math.max(...events.map((e) => e.timestamp)) - Math.min(...events.map((e) => e.timestamp));
    const wallSpan = Date.now() - wallStart;
    assert.ok(
      span > 60 * 2_000 && span < 60 * wallSpan,
      `event time spanned ${span} ms in ${wallSpan} wall ms`,
    );
    const produced = sim.wallIndex.producedBy(routedBackAt);
    assert.ok(produced !== undefined && produced >= wallStart && produced <= Date.now());
  });
});
