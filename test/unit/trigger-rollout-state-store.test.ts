import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalSnapshot } from '../../schemas/types.ts';
import { MockProcessorContext, testRecord } from '../../services/core/testing/mock-context.ts';
import type { KeyValueStore, KeyValueWrite } from '../../services/core/stores/key-value-store.ts';
import { MemoryStore } from '../../services/core/stores/memory-store.ts';
import { initialRolloutState, type RolloutState } from '../../services/detect/decide/index.ts';
import { ROLLOUT_STORE, TriggerProcessor } from '../../services/trigger/trigger-processor.ts';
import { RolloutStateStore, rolloutKey, tenantKey } from '../../services/trigger/rollout-state-store.ts';
import {
  ROLLOUT,
  demoPolicy,
  latencySpec,
  scenarioRecords,
  signalsHarness,
  startCommand,
} from './signals-fixtures.ts';

const policy = demoPolicy();

/** A MemoryStore that records every batch written to it (what the changelog would carry). */
class RecordingStore extends MemoryStore {
  readonly batches: KeyValueWrite[][] = [];
  override async write(batch: readonly KeyValueWrite[]): Promise<void> {
    this.batches.push([...batch]);
    await super.write(batch);
  }
}

async function keysOf(store: KeyValueStore): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of store.range()) out.push(key.toString('utf8'));
  return out;
}

function twoTenantState(): RolloutState {
  const state = initialRolloutState('ro-a');
  state.tenants['t-1'] = { ...emptyTenant('t-1') };
  state.tenants['t-2'] = { ...emptyTenant('t-2') };
  const arm = (requests: number) => ({ requests, metrics: {}, sketch: '' });
  state.tenants['t-2'].recent = [5_000, 10_000, 10_000].map((windowEnd, i) => ({
    windowEnd,
    candidate: arm(i),
    baseline: arm(10 + i),
  }));
  return state;
}

function emptyTenant(tenantId: string) {
  const s = initialRolloutState('x');
  return {
    tenantId,
    tier: 'pro',
    lastWindowEnd: -1,
    recent: [],
    history: null,
    verdict: 'insufficient_data' as const,
    level: 'none' as const,
    composite: 0,
    recentLevels: [],
    cleanStreak: 0,
    confirmed: 'none' as const,
    pooled: 'none' as const,
    decided: s.pause,
    flagged: [],
    detectorsAt: -1,
    detectors: {},
  };
}

describe('rollout state store', () => {
  test('keeps one key per rollout and per tenant; a flush writes only the keys that changed', async () => {
    const store = new RecordingStore('s');
    const states = new RolloutStateStore(store);
    const state = twoTenantState();
    states.set('ro-a', state);
    await states.flush();
    assert.deepEqual(await keysOf(store), [
      'r/ro-a',
      't/ro-a\u0000t-1',
      't/ro-a\u0000t-2',
      't/ro-a\u0000t-2\u00000000000000005000/0',
      't/ro-a\u0000t-2\u00000000000000010000/0',
      't/ro-a\u0000t-2\u00000000000000010000/1',
    ]);
    state.tenants['t-2']!.composite = 0.5;
    states.set('ro-a', state);
    await states.flush();
    assert.deepEqual(
      store.batches.at(-1)!.map((w) => w.key.toString('utf8')),
      [tenantKey('ro-a', 't-2').toString('utf8')],
      'only the changed tenant',
    );
    state.tenants['t-2']!.recent.shift();
    delete state.tenants['t-1'];
    state.halt = 'automatic';
    states.set('ro-a', state);
    await states.flush();
    assert.deepEqual(
      store.batches.at(-1)!.map((w) => [w.key.toString('utf8'), w.value === null]),
      [
        [rolloutKey('ro-a').toString('utf8'), false],
        [tenantKey('ro-a', 't-1').toString('utf8'), true],
        [tenantKey('ro-a', 't-2\u00000000000000005000/0').toString('utf8'), true],
      ],
      'the rollout key, and a tombstone for the tenant gone',
    );
    const reread = await new RolloutStateStore(store).get('ro-a');
    assert.deepEqual(reread, state);
    assert.equal(await new RolloutStateStore(store).get('ro-b'), undefined);
  });

  test('reads a legacy whole-state value and splits it on the next flush', async () => {
    const store = new RecordingStore('s');
    const legacy = twoTenantState();
    await store.put(rolloutKey('ro-a'), Buffer.from(JSON.stringify(legacy)));
    const states = new RolloutStateStore(store);
    assert.deepEqual(await states.get('ro-a'), legacy);
    await states.flush();
    assert.equal((await keysOf(store)).length, 6, 'the rollout, two tenants, three arms');
    assert.deepEqual(await new RolloutStateStore(store).get('ro-a'), legacy);
  });

  test('the trigger writes records far under 100 KB, and a window rewrites only its tenants', async () => {
    const spec = latencySpec({ factor: 2 });
    const start = startCommand(spec);
    const h = await signalsHarness(policy, [start]);
    await h.feed(scenarioRecords(spec));
    const snapshots: SignalSnapshot[] = h.snapshots();
    const ctx = new MockProcessorContext({ app: 'trigger' });
    const store = new RecordingStore(ROLLOUT_STORE);
    ctx.stores.set(ROLLOUT_STORE, store);
    const processor = new TriggerProcessor({ policy });
    await processor.init(ctx);
    await ctx.process(processor, testRecord('rollouts', start, start.issuedAt, { key: ROLLOUT }));
    let largest = 0;
    let window = -1;
    for (const s of snapshots) {
      if (s.windowEnd !== window) await processor.flush();
      window = s.windowEnd;
      await ctx.process(processor, testRecord('signals', s, s.windowEnd, { key: s.rolloutId }));
    }
    await processor.flush();
    const stateWrites = store.batches.flat().filter((w) => !w.key.toString('utf8').startsWith('p/'));
    for (const w of stateWrites) largest = Math.max(largest, (w.value?.length ?? 0) + w.key.length);
    assert.ok(largest < 100_000, `largest state record ${largest} bytes`);
    const perFlush = store.batches
      .map((b) => b.filter((w) => !w.key.toString('utf8').startsWith('p/')).length)
      .filter((n) => n > 0);
    assert.ok(
      Math.max(...perFlush) <= 1 + 3 * start.tenants.length,
      `per flush: the rollout, each tenant, its new arms and the pruned one; got ${Math.max(...perFlush)}`,
    );
    const keys = (await keysOf(store)).filter((k) => !k.startsWith('p/') && k.split('\u0000').length < 3);
    assert.deepEqual(keys, [
      `r/${ROLLOUT}`,
      ...start.tenants.map((t) => `t/${ROLLOUT}\u0000${t.tenantId}`).sort(),
    ]);
    const reread = await new RolloutStateStore(store).get(ROLLOUT);
    assert.ok(
      Object.values(reread!.tenants).every((t) => t.recent.length > 1),
      'recent arms restored',
    );
    const again = await new RolloutStateStore(store).get(ROLLOUT);
    assert.deepEqual(again, reread);
    console.log(`trigger state: largest record ${largest} bytes, ${stateWrites.length} state writes`);
  });
});
