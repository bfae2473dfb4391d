/**
 * The full pipeline with signals, trigger and reversion as child processes (services/<name>/main.ts on
 * a run's own topics, groups and state: `DemoRun.env`), so a test can SIGKILL and restart them; the bundle registry,
 * the gateway (simulator at accelerated event time) and readers run in the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, RolloutCommand } from '../../schemas/types.ts';
import * as k from '../../services/core/kafka.ts';
import type { RoutingFollower } from '../../services/gateway/routing-follower.ts';
import type { RegressionPreset } from '../../services/gateway/simulator/profiles.ts';
import type { Simulator } from '../../services/gateway/simulator/simulator.ts';
import { BundleRegistry } from '../../services/registry/service.ts';
import { TopicCollector } from '../../services/reversion/testing/topic-collector.ts';
import { topics, type TopicKey } from '../../topology/topics.ts';
import { applyTopology } from '../../topology/apply.ts';
import { freePort } from '../../scripts/demo/processes.ts';
import { demoRun, removeRun, type DemoRun } from '../../scripts/demo/run-topics.ts';
import { Closers } from '../e2e/closers.ts';
import { registerBundles, startGateway } from '../e2e/e2e-services.ts';
import { testRuntime, waitFor, type TestRuntime } from '../integration/helpers.ts';

export const SERVICES = ['signals', 'trigger', 'reversion'] as const;
export type ServiceName = (typeof SERVICES)[number];
/** The processes of a run: two signals instances share the telemetry partitions. */
export const PROCESSES = ['signals', 'signals-2', 'trigger', 'reversion'] as const;
export const serviceOf = (id: string): ServiceName =>
  id.startsWith('signals') ? 'signals' : (id as ServiceName);
const ROOT = new URL('../..', import.meta.url).pathname;

export interface Child {
  readonly name: ServiceName;
  readonly proc: ChildProcess;
  /** Resolves when the service logged that it started. */
  readonly started: Promise<void>;
  readonly exited: Promise<void>;
  /** Whether it has logged that it started. */
  readonly up: () => boolean;
}

export class CrashPipeline {
  readonly tag = randomUUID().slice(0, 6);
  readonly run: DemoRun = demoRun(this.tag);
  readonly rolloutId = `fault-crash-${this.tag}`;
  readonly dir = join(ROOT, '.data', 'fault-crash', `run-${this.tag}`);
  readonly rt: TestRuntime;
  readonly gatewayRt: TestRuntime;
  readonly children = new Map<string, Child>();
  decisions!: TopicCollector<'decisions'>;
  routing!: TopicCollector<'routing'>;
  audit!: TopicCollector<'audit'>;
  sim!: Simulator;
  follower!: RoutingFollower;
  stable!: Bundle;
  candidate!: Bundle;
  readonly failures: string[] = [];
  readonly #closers = new Closers();

  constructor() {
    this.rt = testRuntime('fault-crash', this.run.rename);
    this.gatewayRt = testRuntime('fault-crash-gateway', this.run.rename);
  }

  async start(regression: RegressionPreset, tenants: number): Promise<void> {
    const { kafka, codec, logger } = this.rt;
    const c = this.#closers;
    c.add('run topics, groups, subjects', () => removeRun(kafka, codec, this.run));
    c.add('state', async () => {
      if (process.env.FAULT_KEEP_LOGS !== '1') rmSync(this.dir, { recursive: true, force: true });
    });
    const admin = k.createAdmin(kafka);
    await admin.connect();
    await applyTopology(admin, this.run.specs);
    await admin.disconnect();
    await codec.registerSchemas(Object.keys(topics) as TopicKey[]);
    this.decisions = new TopicCollector(kafka, codec, 'decisions');
    this.routing = new TopicCollector(kafka, codec, 'routing');
    this.audit = new TopicCollector(kafka, codec, 'audit');
    for (const col of [this.decisions, this.routing, this.audit])
      await c.up(
        'collector',
        () => col.start(),
        () => col.stop(),
      );
    const registry = new BundleRegistry({ kafka, codec, logger });
    await c.up(
      'registry',
      () => registry.start(),
      () => registry.stop(),
    );
    [this.stable, this.candidate] = await registerBundles(registry, this.tag);
    c.add('services', () => this.stopAll());
    const started = await Promise.all(PROCESSES.map((id) => this.startService(serviceOf(id), id)));
    await Promise.all(started.map((s) => s.started));
    ({ follower: this.follower, sim: this.sim } = await startGateway(this.gatewayRt, {
      closers: c,
      groupPrefix: `demo-${this.tag}-gateway`,
      tag: this.tag,
      stable: this.stable,
      candidate: this.candidate,
      speed: 30,
      tenants,
      rateScale: 1,
      seed: 7,
      regression,
      onFailure: (part, error) => this.failures.push(`${part}: ${String(error)}`),
    }));
  }

  /** Spawns a service (a new process; the same id, group and state dir as the one before it). */
  async startService(name: ServiceName, id: string = name): Promise<Child> {
    mkdirSync(this.dir, { recursive: true });
    const port = await freePort();
    const log = createWriteStream(join(this.dir, `${id}.log`), { flags: 'a' });
    const proc = spawn(process.execPath, ['--import', 'tsx', `services/${name}/main.ts`], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...this.run.env,
        BACKTRACK_EXIT_ON_STDIN_EOF: '1',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        BACKTRACK_POLICY: 'policies/demo.yaml',
        BACKTRACK_LOG_LEVEL: 'info',
        BACKTRACK_STATE_DIR: join(this.dir, `state-${id}`),
        BACKTRACK_METRICS_PORT: String(port),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let ok = false;
    proc.stdout?.on('data', (d: Buffer) => {
      log.write(d);
      if (!ok) out += d.toString();
    });
    proc.stderr?.pipe(log);
    const exited = new Promise<void>((resolve) => proc.once('exit', () => (log.end(), resolve())));
    const started = waitFor(
      () => (ok ||= out.includes(`${name} started`)) || proc.exitCode !== null || proc.signalCode !== null,
      `${id} to start`,
      90_000,
    );
    const child: Child = { name, proc, started, exited, up: () => ok };
    this.children.set(id, child);
    return child;
  }

  /** Stores restored from a changelog by the signals processes, from their `store restored` log lines. */
  signalsRestores(): { restores: number; records: number; full: number } {
    const out = { restores: 0, records: 0, full: 0 };
    for (const id of PROCESSES.filter((p) => p.startsWith('signals'))) {
      const path = join(this.dir, `${id}.log`);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.includes('"store restored"')) continue;
        const r = JSON.parse(line) as { records: number; full: boolean };
        if (r.records === 0) continue;
        out.restores++;
        out.records += r.records;
        if (r.full) out.full++;
      }
    }
    return out;
  }

  /** SIGKILL (no shutdown hook runs); resolves once the process is gone. */
  async kill(id: string): Promise<void> {
    const c = this.children.get(id);
    if (c === undefined || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
    c.proc.kill('SIGKILL');
    await c.exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.children.values()].map(async (c) => {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
        const timer = setTimeout(() => c.proc.kill('SIGKILL'), 15_000);
        c.proc.kill('SIGTERM');
        await c.exited;
        clearTimeout(timer);
      }),
    );
  }

  async startRollout(canaryPercent: number): Promise<void> {
    const cmd: RolloutCommand = {
      commandId: `${this.rolloutId}-start`,
      rolloutId: this.rolloutId,
      action: 'start',
      strategy: 'canary',
      candidateBundleId: this.candidate.bundleId,
      baselineBundleId: this.stable.bundleId,
      tenants: this.sim.tenants.map((t) => ({ tenantId: t.tenantId, tenantTier: t.tier })),
      canaryPercent,
      actor: 'fault-test',
      reason: 'crash harness',
      issuedAt: Date.now(),
    };
    const producer = k.createIdempotentProducer(this.rt.kafka);
    await producer.connect();
    await producer.send({
      topic: this.run.rename.rollouts,
      messages: [{ key: cmd.rolloutId, value: this.rt.codec.encode('rollouts', cmd) }],
    });
    await producer.disconnect();
  }

  isBack(tenantId: string): boolean {
    const r = this.follower.routeFor(tenantId);
    return r !== undefined && r.rolloutId === this.rolloutId && r.candidate === null;
  }

  stop(): Promise<void> {
    return this.#closers.closeAll();
  }
}
