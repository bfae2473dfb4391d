import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as k from '../../services/core/kafka.ts';
import { BundleRegistry } from '../../services/registry/service.ts';
import { verifyChain } from '../../services/reversion/core/index.ts';
import type { ChildSpec } from '../../services/reversion/testing/crash-child.ts';
import { reversionTopics } from '../../services/reversion/testing/environment.ts';
import {
  bundleInput,
  decision,
  rolloutCommand,
  rolloutStart,
} from '../../services/reversion/testing/fixtures.ts';
import { TopicCollector } from '../../services/reversion/testing/topic-collector.ts';
import { cleanup, createTopics, testRuntime, uniqueName, waitFor } from './helpers.ts';

const env = reversionTopics(uniqueName);
const rt = testRuntime('reversion-crash', env.rename);
const child = fileURLToPath(new URL('../../services/reversion/testing/crash-child.ts', import.meta.url));
const groups: string[] = [env.groupId];
const children: ChildProcess[] = [];
after(() =>
  cleanup(
    rt.kafka,
    env.all.map((t) => t.topic),
    groups,
  ),
);

function startChild(spec: ChildSpec): { proc: ChildProcess; started: Promise<void>; output: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  children.push(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const started = waitFor(() => out.includes('started\n'), 'the reversion child to start', 60_000);
  return { proc, started, output: () => out };
}

/** Records in the log, aborted transactions included (read_uncommitted). */
async function rawCount(topic: string, atLeast: number): Promise<number> {
  const groupId = `test-raw-${randomUUID()}`;
  groups.push(groupId);
  const consumer = k.createConsumer(rt.kafka, { groupId, readCommitted: false, maxWaitTimeInMs: 50 });
  let n = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachBatch: async ({ batch }) => void (n += batch.messages.length) });
  await waitFor(() => n >= atLeast, `${atLeast} raw records`, 10_000).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
  await consumer.disconnect();
  return n;
}

test('a reversion killed inside a transaction resumes with no lost or duplicated command', async (t) => {
  await createTopics(rt.kafka, env.all);
  const registry = new BundleRegistry({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger });
  await registry.start();
  const stable = (await registry.register(bundleInput('model-a'), 'alice')).bundle;
  const candidate = (await registry.register(bundleInput('model-b'), 'alice')).bundle;
  await registry.stop();
  const routing = new TopicCollector(rt.kafka, rt.codec, 'routing');
  const audit = new TopicCollector(rt.kafka, rt.codec, 'audit');
  groups.push(routing.groupId, audit.groupId);
  await Promise.all([routing.start(), audit.start()]);
  const producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await rt.codec.registerSchemas(['rollouts', 'decisions']);
  const send = async (topic: 'rollouts' | 'decisions', values: Array<{ rolloutId: string }>) =>
    producer.send({
      topic: rt.codec.bindings[topic].name,
      messages: values.map((v) => ({ key: v.rolloutId, value: rt.codec.encode(topic, v as never) })),
    });
  const base: ChildSpec = {
    rename: env.rename,
    app: env.app,
    groupId: env.groupId,
    stateDir: rt.stateDir,
    sessionTimeoutMs: 6_000,
  };

  try {
    const rollouts = Array.from({ length: 12 }, (_, i) => `cr-${i}`);
    const tenantsOf = (id: string) =>
      [0, 1, 2, 3].map((j) => ({ tenantId: `${id}-t${j}`, tenantTier: j < 2 ? 'enterprise' : 'free' }));
    const first = startChild({ ...base, crashOn: 'cr-5-d' });
    await first.started;
    await send(
      'rollouts',
      rollouts.map((id) => rolloutStart(id, stable.bundleId, candidate.bundleId, tenantsOf(id))),
    );
    await waitFor(() => routing.records.length >= 48, 'every rollout started');
    await send(
      'decisions',
      rollouts.map((id) => decision(id, `${id}-d`, [`${id}-t0`, `${id}-t2`])),
    );
    const [code, signal] = (await once(first.proc, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL', `the first instance crashed (exit ${code}): ${first.output()}`);
    const beforeRestart = routing.records.length;

    const t0 = performance.now();
    const second = startChild(base);
    await second.started;
    await waitFor(
      () => routing.records.length >= 72,
      `every decision executed (${routing.records.length})`,
      60_000,
    );
    t.diagnostic(
      `crashed with ${beforeRestart - 48} of 24 route-backs committed; the restarted instance finished them in ${Math.round(performance.now() - t0)} ms`,
    );
    await send(
      'rollouts',
      rollouts.map((id) => rolloutCommand(id, 'abort', `${id}-abort`)),
    );
    await waitFor(() => routing.records.length >= 96, 'every rollout aborted');

    // A tenant's next rollout lands on another partition: its epochs continue from the routing table.
    const moved = [`${rollouts[0]}-t1`, `${rollouts[1]}-t1`, `${rollouts[2]}-t1`].map((id) => ({
      tenantId: id,
      tenantTier: 'enterprise',
    }));
    await send('rollouts', [rolloutStart('cr-next', stable.bundleId, candidate.bundleId, moved)]);
    await waitFor(() => routing.records.length >= 99, 'the follow-up rollout started');
    await send('decisions', [
      decision(
        'cr-next',
        'cr-next-d',
        moved.map((m) => m.tenantId),
      ),
    ]);
    await waitFor(
      () => routing.records.length >= 102,
      'the follow-up rollout routed and reverted',
      30_000,
    ).catch((e: unknown) => {
      const next = audit.values.filter((a) => a.rolloutId === 'cr-next').map((a) => `${a.kind} ${a.details}`);
      throw new Error(`${(e as Error).message}; audit of cr-next: ${next.join(' | ')}; ${second.output()}`);
    });
    second.proc.kill('SIGTERM');
    await once(second.proc, 'exit');
    await new Promise((r) => setTimeout(r, 500));

    const commands = routing.values;
    assert.equal(new Set(commands.map((c) => c.commandId)).size, commands.length, 'no routing command twice');
    const epochs = new Map<string, number[]>();
    for (const c of commands) epochs.set(c.tenantId, [...(epochs.get(c.tenantId) ?? []), c.epoch]);
    assert.equal(epochs.size, 48);
    for (const [tenant, list] of epochs) {
      const expected = moved.some((m) => m.tenantId === tenant) ? [1, 2, 3, 4] : [1, 2];
      assert.deepEqual(list, expected, `epochs of ${tenant}`);
    }
    const partitionOf = (rolloutId: string) =>
      audit.records.find((r) => r.value.rolloutId === rolloutId)?.partition;
    assert.ok(
      rollouts.slice(0, 3).some((id) => partitionOf(id) !== partitionOf('cr-next')),
      'some moved tenant changed partition',
    );
    assert.deepEqual(verifyChain(audit.values), { ok: true });
    assert.equal(
      new Set(audit.values.map((e) => e.auditId)).size,
      audit.values.length,
      'no audit event twice',
    );
    for (const id of [...rollouts, 'cr-next']) {
      const executed = audit.values.filter(
        (e) => e.subjectId === `${id}-d` && JSON.parse(e.details).outcome === 'executed',
      );
      assert.equal(executed.length, 1, `${id}-d executed once`);
    }
    const raw = await rawCount(rt.codec.bindings.routing.name, commands.length + 1);
    assert.ok(
      raw > commands.length,
      `the crashed transaction's records are in the log but aborted (${raw} raw)`,
    );
    t.diagnostic(`routing log: ${raw} records, ${commands.length} committed`);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await routing.stop();
    await audit.stop();
    await producer.disconnect();
  }
});
