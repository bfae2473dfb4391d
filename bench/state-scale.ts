/**
 * State scale: T tenants x 2 bundles (stable + canary candidate) through the signals processor in
 * process, on the store stack the runner builds for it (RocksDB + changelogging, default decoded-state
 * cache per partition), 12 partitions (processors) routed by tenant as the topic would, a commit
 * (processor flush + changelog send + checkpoint) every `--commit-every` records per partition.
 * No broker: the changelog writer only counts bytes; snapshots are Avro-encoded then dropped.
 * Reports throughput, RSS (now and peak), RocksDB bytes on disk and state bytes per tenant.
 *
 *   node --import tsx bench/state-scale.ts --tenants 100000 [--events-per-tenant 20]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import avsc from 'avsc';
import { avroSchemas } from '../schemas/index.ts';
import { createLogger } from '../services/core/logger.ts';
import { Metrics } from '../services/core/metrics.ts';
import type { RecordOf } from '../services/core/processor.ts';
import type { ProcessorContext } from '../services/core/processor-context.ts';
import { runtimeMetrics } from '../services/core/runtime-metrics.ts';
import type { ChangelogReader, ChangelogWriter } from '../services/core/stores/changelog.ts';
import { openTaskStores, type TaskStore } from '../services/core/task-stores.ts';
import { bindTopics } from '../services/core/topic-bindings.ts';
import { aggregationParamsOf } from '../services/detect/replay/detect-stages.ts';
import { defaultPolicy } from '../services/detect/policy/index.ts';
import { SignalsProcessor, TENANT_STORE, type SignalsInput } from '../services/signals/signals-processor.ts';
import { emitResult, load1 } from './lib/machine.ts';
import { syntheticTelemetry } from './lib/synthetic-telemetry.ts';

const { values: args } = parseArgs({
  options: {
    tenants: { type: 'string', default: '10000' },
    'events-per-tenant': { type: 'string', default: '20' },
    'event-minutes': { type: 'string', default: '6' },
    partitions: { type: 'string', default: '12' },
    'commit-every': { type: 'string', default: '5000' },
  },
});
const TENANTS = Number(args.tenants);
const PER_TENANT = Number(args['events-per-tenant']);
const MINUTES = Number(args['event-minutes']);
const PARTITIONS = Number(args.partitions);
const COMMIT_EVERY = Number(args['commit-every']);

class CountingChangelog implements ChangelogWriter, ChangelogReader {
  bytes = 0;
  #offset = -1n;
  async send(_t: string, _p: number, records: readonly { key: Buffer; value: Buffer | null }[]) {
    for (const r of records) this.bytes += r.key.length + (r.value?.length ?? 0);
    this.#offset += BigInt(records.length);
    return this.#offset;
  }
  async bounds() {
    return { low: 0n, high: 0n };
  }
  async read() {}
}

function dirBytes(path: string): number {
  let total = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

interface Part {
  processor: SignalsProcessor;
  stores: Map<string, TaskStore>;
  sinceCommit: number;
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-state-'));
  const metrics = new Metrics({ service: 'bench', defaultMetrics: false });
  const logger = createLogger({ service: 'bench', level: 'error' });
  const runtime = runtimeMetrics(metrics);
  const changelog = new CountingChangelog();
  const policy = defaultPolicy();
  const params = aggregationParamsOf(policy);
  const snapshotType = avsc.Type.forSchema(avroSchemas[bindTopics().signals.schema] as avsc.Schema);
  let snapshots = 0;
  let commits = 0;
  let snapshotBytes = 0;
  const parts: Part[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const stores = await openTaskStores([{ name: TENANT_STORE, cacheEntries: 0 }], {
      app: 'signals',
      partition: p,
      stateDir,
      changelogTopic: () => 'bench-changelog',
      writer: changelog,
      reader: changelog,
      metrics,
      runtime,
      logger,
    });
    const processor = new SignalsProcessor({
      params,
      tiers: Object.keys(policy.tiers),
      rolloutIdFor: (c) => `rollout-${c}`,
    });
    const ctx: ProcessorContext = {
      app: 'signals',
      partition: p,
      logger,
      metrics,
      forward: (_topic, _key, value) => {
        snapshots++;
        snapshotBytes += snapshotType.toBuffer(value).length;
      },
      schedule: () => ({ cancel: () => undefined }),
      streamTime: () => processor.streamTime,
      store: (name) => stores.get(name)!.outer,
    };
    await processor.init(ctx);
    parts.push({ processor, stores, sinceCommit: 0 });
  }
  const commit = async (part: Part): Promise<void> => {
    await part.processor.flush();
    for (const s of part.stores.values()) await s.outer.flush();
    for (const s of part.stores.values()) await s.logged?.checkpoint();
    part.sinceCommit = 0;
    commits++;
  };
  const events = TENANTS * PER_TENANT;
  const spec = {
    tenants: TENANTS,
    eventsPerTenantMinute: PER_TENANT / MINUTES,
    canaryShare: 0.25,
    stableBundleId: 'b-stable',
    candidateBundleId: 'b-candidate',
    startMs: Date.UTC(2026, 0, 1),
  };
  const load = load1();
  let peakRss = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let offset = 0;
  for (const value of syntheticTelemetry(spec, 0, events)) {
    const n = Number(value.tenantId.slice(7));
    const part = parts[n % PARTITIONS]!;
    const record = {
      topic: 'telemetry',
      partition: n % PARTITIONS,
      offset: String(offset++),
      key: value.tenantId,
      value,
      timestamp: value.timestamp,
      kafkaTimestamp: value.timestamp,
      headers: {},
    } as RecordOf<SignalsInput>;
    await part.processor.process(record);
    if (++part.sinceCommit >= COMMIT_EVERY) {
      await commit(part);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  }
  for (const part of parts) await commit(part);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const rss = process.memoryUsage().rss;
  const rocksdbBytes = dirBytes(stateDir);
  for (const part of parts) for (const s of part.stores.values()) await s.outer.close();
  const mib = (b: number): number => Math.round(b / 2 ** 20);
  emitResult({
    tenants: TENANTS,
    bundlesPerTenant: 2,
    events,
    partitions: PARTITIONS,
    eventsPerSec: Math.round(events / seconds),
    eventsPerCpuSec: Math.round(events / ((cpu.user + cpu.system) / 1e6)),
    rssMb: mib(rss),
    peakRssMb: Math.max(mib(peakRss), mib(rss), Math.round(process.resourceUsage().maxRSS / 1024)),
    heapUsedMb: mib(process.memoryUsage().heapUsed),
    rocksdbMb: +(rocksdbBytes / 2 ** 20).toFixed(1),
    commitEvery: COMMIT_EVERY,
    commits,
    changelogBytesPerTenant: Math.round(changelog.bytes / TENANTS),
    changelogBytesPerEvent: Math.round(changelog.bytes / events),
    rocksdbBytesPerTenant: Math.round(rocksdbBytes / TENANTS),
    snapshots,
    snapshotBytesMean: snapshots > 0 ? Math.round(snapshotBytes / snapshots) : null,
    load,
  });
  rmSync(stateDir, { recursive: true, force: true });
}

await main();
