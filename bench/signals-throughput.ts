/**
 * Throughput ratio and scale-out, side by side on one topic in one run: pre-produces N Avro telemetry
 * events (registry wire format, many tenants, a canary rollout) to a fresh 12-partition topic, then
 * times, by the consumer group's committed offsets (first commit seen → everything committed):
 *   raw      a kafkajs consumer decoding every record (before and after the signals runs; mean used),
 *   signals  the signals service, 1 instance, then 2 instances (separate processes, fresh groups).
 *
 *   node --import tsx bench/signals-throughput.ts [--events 1000000] [--tenants 5000] [--profile]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RolloutCommand } from '../schemas/types.ts';
import { loadConfig } from '../services/core/config.ts';
import { createServiceRuntime } from '../services/core/service-runtime.ts';
import type { TopicKey } from '../topology/topics.ts';
import * as bk from './lib/bench-kafka.ts';
import { emitResult, load1 } from './lib/machine.ts';
import { syntheticTelemetry } from './lib/synthetic-telemetry.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    tenants: { type: 'string', default: '5000' },
    partitions: { type: 'string', default: '12' },
    'events-per-tenant-minute': { type: 'string', default: '40' },
    profile: { type: 'boolean', default: false },
    'skip-scale-out': { type: 'boolean', default: false },
    /** Input batches the signals workers handle at once (default: the service's). */
    concurrency: { type: 'string' },
  },
});
const EVENTS = Number(args.events);
const PARTITIONS = Number(args.partitions);
/** A run that has not committed everything by then has failed (e.g. the shared broker restarted). */
const TIMEOUT_MS = 180_000;

const names = {
  telemetry: bk.benchName('telemetry'),
  evals: bk.benchName('evals'),
  rollouts: bk.benchName('rollouts'),
  signals: bk.benchName('signals'),
} satisfies Partial<Record<TopicKey, string>>;
const config = loadConfig({ service: 'bench', env: { ...process.env, BACKTRACK_LOG_LEVEL: 'error' } });
const rt = createServiceRuntime(config, names);
const groups: string[] = [];
const changelogs: string[] = [];
let workerCount = 0;
let signalsRuns = 0;
const running = new Set<ChildProcess>();

function startWorker(mode: 'raw' | 'signals', group: string, changelog?: string): Promise<ChildProcess> {
  const prof = args.profile ? ['--profile', `bench/out/prof/${group}-${++workerCount}.cpuprofile`] : [];
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/signals-worker.ts',
      ...prof,
      '--mode',
      mode,
      '--group',
      group,
      '--topics',
      JSON.stringify(names),
      ...(changelog ? ['--changelog', changelog] : []),
      ...(mode === 'signals' && args.concurrency ? ['--concurrency', args.concurrency] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} worker exited early (${code})`)));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('WORKER_READY')) resolve(child);
    });
  });
}

/** Stops a worker; the CPU seconds it used from ready to stop (start-up excluded). */
interface WorkerStats {
  readonly cpuSec: number;
  /** Records decoded (raw) or consumed by the runner (signals). */
  readonly records: number;
}

async function stopWorker(child: ChildProcess): Promise<WorkerStats> {
  child.removeAllListeners('exit');
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  const line = out.split('\n').find((l) => l.startsWith('WORKER_CPU '));
  return line === undefined
    ? { cpuSec: Number.NaN, records: Number.NaN }
    : (JSON.parse(line.slice(11)) as WorkerStats);
}

/** Starts `instances` workers in one fresh group and times them over the whole topic. */
async function timed(mode: 'raw' | 'signals', instances: number, label: string) {
  const group = bk.benchName(`${label}-group`);
  groups.push(group);
  const changelog = mode === 'signals' ? changelogs[signalsRuns++] : undefined;
  const load = load1();
  const workers = await Promise.all(
    Array.from({ length: instances }, () => startWorker(mode, group, changelog)),
  );
  const readyAt = performance.now();
  let clock: bk.CommitClock;
  try {
    clock = await bk.withAdmin(rt.kafka, (admin) =>
      bk.watchCommits(admin, group, names.telemetry, EVENTS, TIMEOUT_MS),
    );
  } catch (error) {
    await Promise.all(workers.map(stopWorker));
    throw error;
  }
  const stats = await Promise.all(workers.map(stopWorker));
  const cpuSec = stats.reduce((a, b) => a + b.cpuSec, 0);
  const records = stats.reduce((a, b) => a + b.records, 0);
  if (records < EVENTS)
    throw new Error(`${label}: offsets committed to the end but only ${records} of ${EVENTS} records read`);
  // Ready → everything committed: group join and task creation included, but not inflated when
  // several partitions commit at once (the first commit then comes after most of their work).
  const perSecFromReady = Math.round(EVENTS / ((clock.lastAt - readyAt) / 1000));
  const eventsPerCpuSec = Math.round(EVENTS / cpuSec);
  process.stderr.write(
    `${label}: ${clock.perSec.toLocaleString('en')} events/s (${perSecFromReady.toLocaleString('en')} from ready), ${eventsPerCpuSec.toLocaleString('en')} events/CPU-s (load ${load})\n`,
  );
  return {
    perSec: clock.perSec,
    perSecFromReady,
    seconds: +((clock.lastAt - clock.firstAt) / 1000).toFixed(2),
    cpuSec: +cpuSec.toFixed(2),
    records,
    eventsPerCpuSec,
    load,
  };
}

async function main(): Promise<void> {
  mkdirSync('bench/out/prof', { recursive: true });
  changelogs.push(bk.benchName('signals-1-changelog'), bk.benchName('signals-2-changelog'));
  await bk.createBenchTopics(rt.kafka, [
    ...changelogs.map((topic) => ({ topic, partitions: PARTITIONS, compact: true })),
    { topic: names.telemetry, partitions: PARTITIONS },
    { topic: names.evals, partitions: PARTITIONS },
    { topic: names.rollouts, partitions: 1 },
    { topic: names.signals, partitions: 6 },
  ]);
  try {
    await rt.codec.registerSchemas(['telemetry', 'rollouts']);
    const spec = {
      tenants: Number(args.tenants),
      eventsPerTenantMinute: Number(args['events-per-tenant-minute']),
      canaryShare: 0.1,
      stableBundleId: 'b-bench-stable',
      candidateBundleId: 'b-bench-candidate',
      startMs: Date.UTC(2026, 0, 1),
    };
    await produceRollout(spec.candidateBundleId, spec.stableBundleId);
    const t0 = performance.now();
    const produced = await bk.produceTelemetry(
      rt.kafka,
      rt.codec,
      names.telemetry,
      syntheticTelemetry(spec, 0, EVENTS),
    );
    const produceSec = (performance.now() - t0) / 1000;
    process.stderr.write(`produced ${produced.records} events in ${produceSec.toFixed(1)} s\n`);

    const raw1 = await timed('raw', 1, 'raw-a');
    const sig1 = await timed('signals', 1, 'signals-1');
    let scaleOutError: string | null = null;
    const sig2 = args['skip-scale-out']
      ? undefined
      : await timed('signals', 2, 'signals-2').catch((error: unknown) => {
          scaleOutError = (error as Error).message;
          return undefined;
        });
    const raw2 = await timed('raw', 1, 'raw-b');
    const raw = Math.round((raw1.perSec + raw2.perSec) / 2);
    emitResult({
      events: EVENTS,
      tenants: spec.tenants,
      partitions: PARTITIONS,
      eventsPerTenantMinute: spec.eventsPerTenantMinute,
      bytesPerEvent: Math.round(produced.valueBytes / produced.records),
      produceEventsPerSec: Math.round(produced.records / produceSec),
      rawEventsPerSec: raw,
      rawRuns: [raw1, raw2],
      signalsEventsPerSec: sig1.perSec,
      signalsEventsPerCpuSec: sig1.eventsPerCpuSec,
      rawEventsPerCpuSec: Math.round((raw1.eventsPerCpuSec + raw2.eventsPerCpuSec) / 2),
      cpuRatio: +(sig1.eventsPerCpuSec / ((raw1.eventsPerCpuSec + raw2.eventsPerCpuSec) / 2)).toFixed(3),
      signalsRun: sig1,
      throughputRatio: +(sig1.perSec / raw).toFixed(3),
      throughputRatioFromReady: +(
        sig1.perSecFromReady /
        ((raw1.perSecFromReady + raw2.perSecFromReady) / 2)
      ).toFixed(3),
      scaleOut1EventsPerSec: sig1.perSec,
      scaleOut2EventsPerSec: sig2?.perSec ?? null,
      scaleOut2Run: sig2 ?? null,
      scaleOutError,
    });
  } finally {
    await bk.deleteBenchTopics(rt.kafka, [...Object.values(names), ...changelogs], groups);
  }
}

async function produceRollout(candidate: string, baseline: string): Promise<void> {
  const cmd: RolloutCommand = {
    commandId: 'bench-start',
    rolloutId: 'bench-rollout',
    action: 'start',
    strategy: 'canary',
    candidateBundleId: candidate,
    baselineBundleId: baseline,
    tenants: [],
    canaryPercent: 10,
    actor: 'bench',
    reason: 'benchmark',
    issuedAt: Date.now(),
  };
  const producer = rt.kafka.producer();
  await producer.connect();
  await producer.send({
    topic: names.rollouts,
    messages: [{ key: cmd.rolloutId, value: rt.codec.encode('rollouts', cmd) }],
  });
  await producer.disconnect();
}

process.once('SIGTERM', () => {
  process.stderr.write('stopped: deleting the benchmark topics\n');
  for (const child of running) child.kill('SIGTERM');
  void bk
    .deleteBenchTopics(rt.kafka, [...Object.values(names), ...changelogs], groups)
    .finally(() => process.exit(1));
});
await main();
