/**
 * Overload: a burst of telemetry at 10× the fixture's rate hits the real signals service all at once;
 * the consumer lag grows and drains, the service does not fail, and the process RSS stays bounded. The
 * caches in front of RocksDB hold at most their limit however many keys pass through them.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k from '../../services/core/kafka.ts';
import { CachingStore } from '../../services/core/stores/caching-store.ts';
import { MemoryStore } from '../../services/core/stores/memory-store.ts';
import { ObjectCache } from '../../services/core/stores/object-cache.ts';
import { jsonSerde, stringSerde } from '../../services/core/stores/serde.ts';
import { Pipeline } from '../integration/signals-pipeline.ts';
import { demoPolicy, latencySpec, scenarioRecords, startCommand } from '../unit/signals-fixtures.ts';
import { recordResult } from './fault-report.ts';

const pipeline = new Pipeline('fault-overload', demoPolicy());
after(() => pipeline.tearDown());

const MB = 1024 * 1024;

/** Records behind the log end of the signals group on the telemetry topic, all partitions. */
async function lagOf(admin: k.Admin): Promise<number> {
  const topic = pipeline.names.telemetry;
  const ends = await k.topicOffsets(admin, topic);
  const [committed] = await admin.fetchOffsets({ groupId: pipeline.groups.signals, topics: [topic] });
  let lag = 0;
  for (const e of ends) {
    const c = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
    lag += Number(e.high) - Math.max(Number(c), Number(e.low));
  }
  return lag;
}

describe('a 10× burst', () => {
  test('lag grows and drains, the service survives, RSS stays bounded', { timeout: 240_000 }, async (t) => {
    await pipeline.setUp();
    const startEpochMs = Date.now() - 30 * 60_000 - (Date.now() % 60_000);
    const spec = latencySpec({ factor: 1.6, startEpochMs, durationMs: 120_000, ratePerMin: 6_000 });
    await pipeline.command(startCommand(spec));
    const service = await pipeline.startSignals();
    let failed: unknown;
    service.done.catch((e: unknown) => (failed = e));
    const admin = k.createAdmin(pipeline.signalsRt.kafka);
    await admin.connect();
    try {
      const records = scenarioRecords(spec);
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      let lagPeak = 0;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }, 100);
      const t0 = performance.now();
      let produced = false;
      let producedAt = 0;
      const producing = pipeline.produce(records).then(() => {
        produced = true;
        producedAt = performance.now();
      });
      let drainedAt = 0;
      const trace: number[] = [];
      let polls = 0;
      for (;;) {
        await new Promise((r) => setTimeout(r, 250));
        const lag = await lagOf(admin);
        if (polls++ % 8 === 0) trace.push(lag);
        lagPeak = Math.max(lagPeak, lag);
        if (failed !== undefined) break;
        if (produced && lag === 0) {
          drainedAt = performance.now();
          break;
        }
        if (performance.now() - t0 > 180_000) break;
      }
      clearInterval(sampler);
      await producing;
      assert.equal(failed, undefined, `signals failed: ${String(failed)}`);
      const why = `produced after ${Math.round(producedAt - t0)} ms; lag every 2 s: ${trace.join(' ')}`;
      assert.ok(drainedAt > 0, `the lag drained within 180 s (${why})`);
      assert.ok(lagPeak > 1_000, `the lag grew (peak ${lagPeak})`);
      const growthMb = (rssPeak - rssBefore) / MB;
      assert.ok(growthMb < 600, `RSS grew ${growthMb.toFixed(0)} MB`);
      const telemetry = records.filter((r) => r.type === 'telemetry').length;
      const result = {
        records: records.length,
        telemetry,
        ratePerTenantPerMin: 6_000,
        lagPeak,
        produceMs: Math.round(producedAt - t0),
        drainMs: Math.round(drainedAt - t0),
        recordsPerSecond: Math.round(records.length / ((drainedAt - t0) / 1000)),
        rssBeforeMb: Math.round(rssBefore / MB),
        rssPeakMb: Math.round(rssPeak / MB),
      };
      recordResult('overload: 10x burst into signals', result);
      t.diagnostic(JSON.stringify(result));
    } finally {
      await admin.disconnect();
    }
  });
});

describe('caches in front of the stores are bounded', () => {
  test('CachingStore holds at most maxEntries after 10× that many keys, evicting dirty ones to the store', async () => {
    const inner = new MemoryStore('s');
    const cache = new CachingStore(inner, 1_000);
    for (let i = 0; i < 10_000; i++) {
      await cache.put(Buffer.from(`k${i}`), Buffer.from(`v${i}`));
      assert.ok(cache.size <= 1_000);
    }
    assert.equal(cache.stats.evictedDirty, 9_000);
    await cache.flush();
    assert.equal((await inner.get(Buffer.from('k0')))?.toString(), 'v0');
    assert.equal((await cache.get(Buffer.from('k9999')))?.toString(), 'v9999');
  });

  test('ObjectCache keeps at most maxEntries decoded values after each flush', async () => {
    const cache = new ObjectCache(new MemoryStore('o'), stringSerde, jsonSerde<{ n: number }>(), 500);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 500; i++) cache.set(`t${round}-${i}`, { n: i });
      await cache.flush();
      assert.ok(cache.size <= 500, `${cache.size} values after flush ${round}`);
    }
    assert.deepEqual(await cache.get('t0-1'), { n: 1 });
  });
});
