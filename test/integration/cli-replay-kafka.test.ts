/**
 * `backtrack replay --from/--to` on the real broker: the golden fixture written to renamed telemetry,
 * eval and rollout topics with record timestamps in file order, replayed from Kafka, and diffed against
 * decisions written to the decisions topic.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RollbackDecision } from '../../schemas/types.ts';
import type { TopicKey } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import type { ValueOf } from '../../services/core/wire-types.ts';
import { parseInputLine } from '../../services/detect/replay/parse-input-line.ts';
import { decision } from '../../services/reversion/testing/fixtures.ts';
import { GOLDEN_DECISIONS, GOLDEN_INPUT } from '../fixtures/make-golden-input.ts';
import { cliFor } from './cli-helpers.ts';
import { cleanup, createTopics, testRuntime, uniqueName } from './helpers.ts';

const rename = {
  telemetry: uniqueName('telemetry'),
  evals: uniqueName('evals'),
  rollouts: uniqueName('rollouts'),
  decisions: uniqueName('decisions'),
};
const rt = testRuntime('cli-replay', rename);
const cli = cliFor(rt, rename);
const dir = mkdtempSync(join(tmpdir(), 'backtrack-cli-replay-'));
let producer: k.Producer;

async function send<K extends TopicKey>(
  topic: K,
  items: Array<{ key: string; value: ValueOf<K>; timestamp: number }>,
): Promise<void> {
  for (let i = 0; i < items.length; i += 2000)
    await producer.send({
      topic: rt.codec.bindings[topic].name,
      acks: -1,
      messages: items
        .slice(i, i + 2000)
        .map((m) => ({ key: m.key, value: rt.codec.encode(topic, m.value), timestamp: String(m.timestamp) })),
    });
}

before(async () => {
  await createTopics(
    rt.kafka,
    Object.values(rename).map((topic) => ({ topic, partitions: 3 })),
  );
  producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await rt.codec.registerSchemas(['telemetry', 'evals', 'rollouts', 'decisions']);
});

after(async () => {
  await producer?.disconnect();
  await cleanup(rt.kafka, Object.values(rename));
});

test('replay --from/--to reads the topics by timestamp, decides as the file replay does, and diffs the recorded decisions', async (t) => {
  const base = Date.now() - 3_600_000;
  const byTopic = { telemetry: [], evals: [], rollouts: [] } as Record<
    'telemetry' | 'evals' | 'rollouts',
    Array<{ key: string; value: never; timestamp: number }>
  >;
  readFileSync(GOLDEN_INPUT, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const p = parseInputLine(line);
      const item = (key: string, value: object) => ({ key, value: value as never, timestamp: base + i });
      if (p?.type === 'telemetry') byTopic.telemetry.push(item(p.event.tenantId, p.event));
      if (p?.type === 'eval') byTopic.evals.push(item(p.event.tenantId, p.event));
      if (p?.type === 'rollout') byTopic.rollouts.push(item(p.command.rolloutId, p.command));
    });
  const strip = <T extends object>(v: T): T => {
    const { type: _t, ...rest } = v as T & { type?: string };
    return rest as T;
  };
  const t0 = performance.now();
  for (const key of ['telemetry', 'evals', 'rollouts'] as const)
    await send(
      key,
      byTopic[key].map((m) => ({ ...m, value: strip(m.value as object) as never })),
    );
  const golden = readFileSync(GOLDEN_DECISIONS, 'utf8');
  const goldenDecisions = golden
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RollbackDecision);
  const recorded = [...goldenDecisions.slice(1), decision('ro-golden', 'fake-1', ['nobody'])];
  const lastTs = base + 11_200;
  const early = decision('ro-golden', 'before-range', ['too-early']);
  await send('decisions', [
    { key: early.rolloutId, value: early, timestamp: base - 60_000 },
    ...recorded.map((d, i) => ({ key: d.rolloutId, value: d, timestamp: base + 5_000 + i })),
  ]);

  const t1 = performance.now();
  const out = join(dir, 'whatif.jsonl');
  const r = await cli(
    'replay',
    '--from',
    new Date(base).toISOString(),
    '--to',
    String(lastTs),
    '--output',
    out,
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  t.diagnostic(`produce ${Math.round(t1 - t0)} ms, replay ${Math.round(performance.now() - t1)} ms`);
  assert.equal(readFileSync(out, 'utf8'), golden, 'same decisions as the file replay, byte for byte');
  const s = r.json<{
    read: { telemetry: number; rollouts: number };
    diff: { sameDecisionIds: number; onlyRecorded: Array<{ tenantId: string }>; recordedDecisions: number };
  }>();
  assert.equal(s.read.telemetry, byTopic.telemetry.length);
  assert.equal(s.read.rollouts, 1);
  assert.equal(s.diff.recordedDecisions, recorded.length);
  assert.equal(s.diff.sameDecisionIds, goldenDecisions.length - 1);
  assert.deepEqual(
    s.diff.onlyRecorded.map((e) => e.tenantId),
    ['nobody'],
  );
  assert.match(r.stderr, /what-if: \d+ decisions with this policy vs \d+ recorded/);

  assert.equal((await cli('replay', '--from', 'noon')).code, 2);
  assert.equal((await cli('replay', '--from', String(base), '--input', GOLDEN_INPUT)).code, 2);
});
