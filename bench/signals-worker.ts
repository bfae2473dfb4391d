/**
 * One consumer instance of the throughput benchmarks, as its own process (so two instances use two
 * cores). `--mode raw`: a kafkajs consumer that decodes every record through the codec and commits
 * each batch, nothing else. `--mode signals`: the signals service as main.ts builds it (decode,
 * validation, stage-1 windows and sketches, tenant state in RocksDB behind the write-back cache,
 * changelog, snapshots out). Runs until SIGTERM; the parent times it by the group's commits.
 *
 *   node --import tsx bench/signals-worker.ts --mode signals --group G --topics '{"telemetry":"..."}'
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../services/core/config.ts';
import * as k from '../services/core/kafka.ts';
import { createServiceRuntime } from '../services/core/service-runtime.ts';
import { defaultPolicy } from '../services/detect/policy/index.ts';
import { SignalsService } from '../services/signals/signals-service.ts';
import type { TopicKey } from '../topology/topics.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'signals' },
    group: { type: 'string' },
    topics: { type: 'string' },
    changelog: { type: 'string' },
    profile: { type: 'string' },
    concurrency: { type: 'string' },
  },
});
if (values.group === undefined || values.topics === undefined) throw new Error('--group and --topics');
const rename = JSON.parse(values.topics) as Partial<Record<TopicKey, string>>;
const stateDir = mkdtempSync(join(tmpdir(), 'bench-signals-'));
const config = loadConfig({
  service: 'signals',
  env: {
    ...process.env,
    BACKTRACK_LOG_LEVEL: process.env.BACKTRACK_LOG_LEVEL ?? 'error',
    BACKTRACK_STATE_DIR: stateDir,
  },
});
const rt = createServiceRuntime(config, rename);
const groupId = values.group;

async function startRaw(): Promise<() => Promise<void>> {
  const consumer = k.createConsumer(rt.kafka, { groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [rt.codec.bindings.telemetry.name], fromBeginning: true });
  decoded = 0;
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
      for (const m of batch.messages) {
        const e = await rt.codec.decode('telemetry', m.value);
        if (e.tenantId !== '') decoded++;
      }
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
      });
      resolveOffset(batch.lastOffset());
      await heartbeat();
    },
  });
  return async () => {
    await consumer.disconnect();
    process.stderr.write(`raw worker decoded ${decoded}\n`);
  };
}

async function startSignals(): Promise<() => Promise<void>> {
  const changelog = values.changelog;
  const service = new SignalsService(rt, {
    policy: defaultPolicy(),
    groupId,
    ...(changelog === undefined ? {} : { changelogTopic: () => changelog }),
    ...(values.concurrency === undefined ? {} : { partitionsConcurrently: Number(values.concurrency) }),
  });
  await service.start();
  return () => service.stop();
}

let decoded = 0;

/** Records this worker decoded (raw) or the runner consumed (signals): checks nothing was skipped. */
async function consumedRecords(): Promise<number> {
  if (values.mode === 'raw') return decoded;
  const m = await rt.metrics.registry.getSingleMetric('backtrack_stream_records_consumed_total')?.get();
  return (m?.values ?? []).reduce((a, v) => a + v.value, 0);
}

/** Profiles from ready to SIGTERM (module loading and start-up excluded), to `--profile`. */
async function startProfile(): Promise<() => Promise<void>> {
  const path = values.profile;
  if (path === undefined) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
  };
}

/** The runtime's and the service's own timings, summed, to stderr. */
async function reportMetrics(): Promise<void> {
  const wanted = [
    'backtrack_stream_batch_seconds',
    'backtrack_signals_window_close_seconds',
    'backtrack_signals_state_flush_seconds',
    'backtrack_stream_commits_total',
  ];
  const lines: string[] = [];
  for (const name of wanted) {
    const m = await rt.metrics.registry.getSingleMetric(name)?.get();
    const values = (m?.values ?? []) as { value: number; metricName?: string }[];
    const sum = values.filter((v) => v.metricName?.endsWith('_sum') ?? !name.endsWith('seconds'));
    const count = values.filter((v) => v.metricName?.endsWith('_count'));
    const total = (vs: typeof values): number => vs.reduce((a, v) => a + v.value, 0);
    lines.push(`${name}: ${total(sum).toFixed(3)}${count.length > 0 ? ` over ${total(count)}` : ''}`);
  }
  const elu = performance.eventLoopUtilization(elu0);
  lines.push(
    `event loop idle ${(elu.idle / 1000).toFixed(2)} s of ${((elu.idle + elu.active) / 1000).toFixed(2)} s`,
  );
  process.stderr.write(`${values.mode} worker ${process.pid}: ${lines.join('; ')}\n`);
}

const stop = values.mode === 'raw' ? await startRaw() : await startSignals();
const stopProfile = await startProfile();
const cpu0 = process.cpuUsage();
const elu0 = performance.eventLoopUtilization();
process.stdout.write('WORKER_READY\n');
process.once('SIGTERM', () => {
  const cpu = process.cpuUsage(cpu0);
  const stats = async (): Promise<void> => {
    const records = await consumedRecords();
    const line = JSON.stringify({ cpuSec: (cpu.user + cpu.system) / 1e6, records });
    process.stdout.write(`WORKER_CPU ${line}\n`);
  };
  void stats()
    .then(stopProfile)
    .then(reportMetrics)
    .then(stop)
    .catch((err: unknown) => process.stderr.write(`stop failed: ${String(err)}\n`))
    .finally(() => {
      rmSync(stateDir, { recursive: true, force: true });
      process.exit(0);
    });
});
