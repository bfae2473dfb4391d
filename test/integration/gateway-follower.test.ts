import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RoutingCommand } from '../../schemas/types.ts';
import {
  createAdmin,
  createIdempotentProducer,
  createTransactionalProducer,
  type Admin,
  type Producer,
} from '../../services/core/kafka.ts';
import { createGatewayRuntime } from '../../services/gateway/gateway-runtime.ts';
import { RoutingFollower, type RoutingChange } from '../../services/gateway/routing-follower.ts';
import { applyTopology } from '../../topology/apply.ts';
import { topics } from '../../topology/topics.ts';
import { routedBundle as bundle, routingCommand } from '../unit/gateway-fixtures.ts';

const run = randomUUID().slice(0, 8);

const command = (tenantId: string, epoch: number, candidatePercent = 10): RoutingCommand =>
  routingCommand({
    tenantId,
    epoch,
    percent: candidatePercent,
    tier: 'enterprise',
    rolloutId: 'r-1',
    reason: `epoch ${epoch}`,
    issuedAt: Date.now(),
  });

/** A routing topic of its own per test, so each follower starts from a known log. */
function routingRuntime(label: string) {
  const name = `gw-it-routing-${label}-${run}`;
  return {
    name,
    rt: createGatewayRuntime({
      service: 'gateway-it',
      topics: { routing: name },
      logLevel: 'error',
      defaultMetrics: false,
    }),
  };
}

let admin: Admin;
const created: { name: string; rt: ReturnType<typeof createGatewayRuntime> }[] = [];
const followers: RoutingFollower[] = [];
const producers: Producer[] = [];

async function setup(label: string) {
  const env = routingRuntime(label);
  created.push(env);
  await applyTopology(admin, [{ ...topics.routing, name: env.name }]);
  await env.rt.codec.registerSchemas(['routing']);
  const producer = createIdempotentProducer(env.rt.kafka);
  await producer.connect();
  producers.push(producer);
  const write = async (commands: RoutingCommand[]) => {
    const messages = commands.map((c) => ({ key: c.tenantId, value: env.rt.codec.encode('routing', c) }));
    for (let i = 0; i < messages.length; i += 2_000) {
      await producer.send({ topic: env.name, messages: messages.slice(i, i + 2_000), acks: -1 });
    }
  };
  const follower = new RoutingFollower({
    kafka: env.rt.kafka,
    codec: env.rt.codec,
    logger: env.rt.logger,
    gatewayId: 'it',
  });
  followers.push(follower);
  return { ...env, write, follower };
}

before(async () => {
  admin = createAdmin(createGatewayRuntime({ logLevel: 'error', defaultMetrics: false }).kafka);
  await admin.connect();
});

after(async () => {
  for (const f of followers) await f.stop();
  for (const p of producers) await p.disconnect();
  await admin.deleteTopics({ topics: created.map((c) => c.name) }).catch(() => undefined);
  for (const c of created) await c.rt.codec.http.deleteSubject(`${c.name}-value`).catch(() => undefined);
  await admin.disconnect();
});

describe('RoutingFollower against the real broker', () => {
  test('applies commands in epoch order and ignores a stale epoch written after a newer one', async () => {
    const { follower, write } = await setup('order');
    const changes: RoutingChange[] = [];
    follower.onChange((c) => changes.push(c));
    await follower.start();
    await follower.ready(10_000);
    assert.equal(follower.routeFor('acme'), undefined, 'an unknown tenant has no routing');

    await write([command('acme', 1, 10), command('acme', 2, 50)]);
    await follower.waitUntil((f) => f.routeFor('acme')?.epoch === 2, 10_000);
    await write([command('acme', 1, 100), command('acme', 2, 50), command('globex', 1, 0)]);
    await follower.waitUntil((f) => f.stats().records === 5, 10_000);

    assert.equal(follower.routeFor('acme')?.epoch, 2);
    assert.equal(
      follower.routeFor('acme')?.candidatePercent,
      50,
      'the stale epoch 1 (100 %) was not applied',
    );
    assert.deepEqual(
      changes.map((c) => [c.tenantId, c.current?.epoch, c.previous?.epoch, c.live]),
      [
        ['acme', 1, undefined, true],
        ['acme', 2, 1, true],
        ['globex', 1, undefined, true],
      ],
    );
    const { verdicts } = follower.stats();
    assert.deepEqual(verdicts, { applied: 3, duplicate: 1, stale: 1, conflict: 0 });
    assert.equal(follower.bundleFor('globex', 0)?.bundle.bundleId, 'b-stable', 'no candidate: stable');
  });

  test('answers for every tenant after catching up on a table written before it started', async (t) => {
    const { follower, write } = await setup('catchup');
    const tenants = 2_000;
    const commands: RoutingCommand[] = [];
    for (let epoch = 1; epoch <= 5; epoch++) {
      for (let i = 0; i < tenants; i++) commands.push(command(`t${i}`, epoch, epoch === 5 ? i % 101 : 100));
    }
    await write(commands);
    let firstAt = 0;
    follower.onChange(() => (firstAt ||= Date.now()));
    await follower.start();
    await follower.ready(30_000);
    const stats = follower.stats();
    assert.ok(follower.caughtUp());
    assert.equal(stats.tenants, tenants);
    assert.equal(stats.verdicts.applied, commands.length, 'every epoch was newer than the one before');
    for (let i = 0; i < tenants; i++) {
      const route = follower.routeFor(`t${i}`);
      assert.equal(route?.epoch, 5);
      assert.equal(route?.candidatePercent, i % 101);
    }
    t.diagnostic(`caught up on ${stats.records} commands in ${stats.catchUpMs} ms`);
    const applyMs = Date.now() - firstAt;
    t.diagnostic(
      `${Math.round(stats.records / (applyMs / 1000))} commands/s from the first record to caught up`,
    );
  });

  test('catches up when the log ends with a transaction marker (reversion writes transactionally)', async () => {
    const env = await setup('txn');
    const txProducer = createTransactionalProducer(env.rt.kafka, `gw-it-tx-${run}`);
    await txProducer.connect();
    producers.push(txProducer);
    const tx = await txProducer.transaction();
    await tx.send({
      topic: env.name,
      messages: [{ key: 'initech', value: env.rt.codec.encode('routing', command('initech', 7)) }],
    });
    await tx.commit();
    await env.follower.start();
    await env.follower.ready(15_000);
    assert.equal(env.follower.routeFor('initech')?.epoch, 7);
  });

  test('a live route-back is visible to waitUntil within seconds', async () => {
    const { follower, write } = await setup('live');
    await write([command('umbrella', 1, 25)]);
    await follower.start();
    await follower.ready(10_000);
    assert.equal(follower.bundleFor('umbrella', 0.1)?.arm, 'canary');
    const t0 = performance.now();
    await write([command('umbrella', 2, 0)]);
    await follower.waitUntil((f) => f.routeFor('umbrella')?.candidate === null, 10_000);
    assert.ok(performance.now() - t0 < 5_000);
    const choice = follower.bundleFor('umbrella', 0.1);
    assert.deepEqual(
      [choice?.arm, { ...choice?.bundle }, choice?.mirror],
      ['stable', bundle('b-stable'), undefined],
    );
  });
});
