/**
 * A broker restart mid-stream, on a broker of this test's own (infra/kafka/extra-broker.sh, plaintext,
 * ports 19192/19193, .data/fault-broker) so the shared one is never touched: signals and trigger keep
 * running through the outage (a service whose runner gives up is restarted, as its process manager
 * would on exit code 1, and counted), nothing is lost or doubled, and the decisions match what the
 * pure core decides in replay on the same input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamRunner } from '../../services/core/runner.ts';
import { createReplaySession } from '../../services/detect/replay/index.ts';
import { triggerRunner } from '../../services/trigger/trigger-service.ts';
import type { TriggerInput } from '../../services/trigger/trigger-processor.ts';
import { Pipeline, routedBack } from '../integration/signals-pipeline.ts';
import { waitFor } from '../integration/helpers.ts';
import {
  DEGRADED,
  demoPolicy,
  latencySpec,
  scenarioRecords,
  startCommand,
} from '../unit/signals-fixtures.ts';
import { recordResult } from './fault-report.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const DIR = join(ROOT, '.data', 'fault-broker');
const PORT = '19192';
const env = {
  EXTRA_KAFKA_DIR: DIR,
  EXTRA_KAFKA_PORT: PORT,
  EXTRA_KAFKA_CTRL_PORT: '19193',
  EXTRA_KAFKA_SECURITY: 'plaintext',
};
const broker = (cmd: string): void => {
  execFileSync('bash', [join(ROOT, 'infra/kafka/extra-broker.sh'), cmd], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
};

process.env.KAFKA_BROKERS = `127.0.0.1:${PORT}`;
const pipeline = new Pipeline('fault-broker', demoPolicy());
let trigger: StreamRunner<TriggerInput> | undefined;
const restarts: Record<'signals' | 'trigger', string[]> = { signals: [], trigger: [] };
let stopping = false;

/** Restarts a service whose runner failed for good, like a process manager restarting a process. */
async function superviseSignals(): Promise<void> {
  const service = await pipeline.startSignals();
  service.done.catch((e: unknown) => {
    if (stopping) return;
    restarts.signals.push((e as Error).message);
    void superviseSignals();
  });
}

async function superviseTrigger(): Promise<void> {
  const runner = triggerRunner(pipeline.triggerRt, {
    policy: pipeline.policy,
    groupId: pipeline.groups.trigger,
    changelogTopic: () => pipeline.changelogs.trigger,
  });
  trigger = runner;
  await runner.start();
  runner.done.catch((e: unknown) => {
    if (stopping) return;
    restarts.trigger.push((e as Error).message);
    void superviseTrigger();
  });
}
before(() => {
  broker('stop');
  rmSync(DIR, { recursive: true, force: true });
  broker('start');
});
after(async () => {
  stopping = true;
  await trigger?.stop().catch(() => undefined);
  await pipeline.tearDown();
  broker('stop');
  rmSync(DIR, { recursive: true, force: true });
});

test(
  'signals and trigger ride out a broker restart mid-stream and decide what replay decides',
  { timeout: 240_000 },
  async (t) => {
    await pipeline.setUp();
    const startEpochMs = Date.now() - 30 * 60_000 - (Date.now() % 60_000);
    const spec = latencySpec({ factor: 1.6, startEpochMs, durationMs: 180_000 });
    const start = startCommand(spec);
    await pipeline.command(start);
    await superviseTrigger();
    await superviseSignals();

    const records = scenarioRecords(spec);
    const boundary = startEpochMs + 70_000;
    await pipeline.produce(records.filter((r) => r.event.timestamp < boundary));
    await pipeline.waitCaughtUp('signals', 'telemetry', 60_000);
    const snapshotsBefore = pipeline.snapshots.length;

    const tDown = performance.now();
    broker('restart');
    const outageMs = performance.now() - tDown;
    await pipeline.produce(records.filter((r) => r.event.timestamp >= boundary));
    await waitFor(
      () => routedBack(pipeline.decisions).length >= DEGRADED.length,
      'route_back of every degraded tenant',
      120_000,
    );
    await pipeline.waitCaughtUp('signals', 'telemetry', 60_000);
    const recoveredMs = performance.now() - tDown;

    const snapshots = pipeline.snapshots.map((s) => s.value);
    assert.equal(
      new Set(snapshots.map((s) => s.snapshotId)).size,
      snapshots.length,
      'no window emitted twice',
    );
    const live = pipeline.decisions.map((d) => d.value);
    assert.equal(new Set(live.map((d) => d.decisionId)).size, live.length, 'no decision emitted twice');
    assert.deepEqual(routedBack(pipeline.decisions), DEGRADED);

    const session = createReplaySession({ policy: pipeline.policy });
    const replayed = [...session.push({ type: 'rollout', command: start })];
    for (const r of records) replayed.push(...session.push(r));
    replayed.push(...session.finish());
    const shape = (ds: typeof live) =>
      ds.map((d) => `${d.action}:${d.mode}:${[...d.tenantIds].sort().join('+')}`).sort();
    assert.deepEqual(shape(live), shape(replayed), 'live decisions differ from the replay of the same input');

    const result = {
      records: records.length,
      snapshotsBeforeRestart: snapshotsBefore,
      snapshots: snapshots.length,
      brokerRestartMs: Math.round(outageMs),
      serviceRestarts: { signals: restarts.signals.length, trigger: restarts.trigger.length },
      restartCauses: [...new Set([...restarts.signals, ...restarts.trigger])],
      restartToCaughtUpMs: Math.round(recoveredMs),
      liveDecisions: shape(live),
      replayDecisions: shape(replayed),
    };
    recordResult('broker restart mid-stream (own broker)', result);
    t.diagnostic(JSON.stringify(result));
  },
);
