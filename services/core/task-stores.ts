/** Builds the store stack of one partition task: Metered?(Caching(Changelogging(RocksDb | Memory))). */
import { join } from 'node:path';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';
import { CachingStore } from './stores/caching-store.ts';
import type { ChangelogReader, ChangelogWriter } from './stores/changelog.ts';
import { ChangeloggingStore } from './stores/changelogging-store.ts';
import type { KeyValueStore } from './stores/key-value-store.ts';
import { MemoryStore } from './stores/memory-store.ts';
import { MeteredStore } from './stores/metered-store.ts';
import { RocksDbStore } from './stores/rocksdb-store.ts';

export interface StoreSpec {
  readonly name: string;
  /** `rocksdb` (default): on disk, kept across restarts; `memory`: rebuilt from the changelog on assignment. */
  readonly kind?: 'rocksdb' | 'memory';
  /** Backed by the compacted changelog `backtrack-<app>-<name>-changelog` (default true). */
  readonly logged?: boolean;
  /** Write-back cache size in entries (default 10 000; 0: no cache). */
  readonly cacheEntries?: number;
  /** Time every operation (default false). */
  readonly metered?: boolean;
}

export interface TaskStore {
  readonly spec: StoreSpec;
  /** What the processor gets. */
  readonly outer: KeyValueStore;
  readonly logged: ChangeloggingStore | undefined;
}

export interface TaskStoreContext {
  readonly app: string;
  readonly partition: number;
  readonly stateDir: string;
  readonly changelogTopic: (store: string) => string;
  readonly writer: ChangelogWriter;
  readonly reader: ChangelogReader;
  readonly metrics: Metrics;
  readonly runtime: RuntimeMetrics;
  readonly logger: Logger;
}

/** Opens (and restores from their changelogs) the stores of one partition. */
export async function openTaskStores(
  specs: readonly StoreSpec[],
  ctx: TaskStoreContext,
): Promise<Map<string, TaskStore>> {
  const out = new Map<string, TaskStore>();
  try {
    for (const spec of specs) out.set(spec.name, await openOne(spec, ctx));
  } catch (error) {
    await Promise.all([...out.values()].map((s) => s.outer.close().catch(() => undefined)));
    throw error;
  }
  return out;
}

async function openOne(spec: StoreSpec, ctx: TaskStoreContext): Promise<TaskStore> {
  const base: KeyValueStore =
    spec.kind === 'memory'
      ? new MemoryStore(spec.name)
      : await RocksDbStore.open(spec.name, join(ctx.stateDir, ctx.app, spec.name, String(ctx.partition)));
  let logged: ChangeloggingStore | undefined;
  let store = base;
  if (spec.logged !== false) {
    const topic = ctx.changelogTopic(spec.name);
    logged = new ChangeloggingStore(base, {
      topic,
      partition: ctx.partition,
      writer: ctx.writer,
      reader: ctx.reader,
    });
    const t0 = performance.now();
    const result = await logged.restore();
    ctx.runtime.restored.inc({ store: spec.name }, result.records);
    ctx.logger.info(
      {
        store: spec.name,
        full: result.full,
        records: result.records,
        ms: Math.round(performance.now() - t0),
      },
      'store restored',
    );
    store = logged;
  }
  const cacheEntries = spec.cacheEntries ?? 10_000;
  if (cacheEntries > 0) store = new CachingStore(store, cacheEntries);
  if (spec.metered === true) store = new MeteredStore(store, ctx.metrics);
  return { spec, outer: store, logged };
}
