/**
 * The Kafka side of a replay: telemetry and evals written in `[fromMs, toMs]` (record time, offsets
 * looked up with `admin.fetchTopicOffsetsByTimestamp`), the rollout commands issued up to `toMs` (a
 * rollout started before the range still names its candidate), fed to the replay session in the order
 * they were written (record timestamp, then topic, partition, offset), as the live pipeline saw them:
 * late events stay late. And the decisions recorded on rollback.decisions.v1 in the same range, for the what-if diff.
 * The range is held in memory.
 */
import type { Writable } from 'node:stream';
import type { RollbackDecision } from '../../../schemas/types.ts';
import { decisionToJsonLine } from '../../detect/replay/decision-json.ts';
import { decodeRecord, type ParsedLine } from '../../detect/replay/parse-input-line.ts';
import type { ReplaySummary } from '../../detect/replay/replay-summary.ts';
import { readTopic, type ReaderDeps, type TopicRecord } from '../../ops/topic-reader.ts';
import type { ReplaySink } from './run-replay.ts';

export interface KafkaReplayOptions {
  /** epoch ms, inclusive */
  fromMs: number;
  toMs: number;
  session: ReplaySink;
  output: Writable;
  timeoutMs?: number;
}

export interface KafkaReplayResult {
  summary: ReplaySummary;
  replayed: RollbackDecision[];
  recorded: RollbackDecision[];
  /** records per source topic */
  read: { telemetry: number; evals: number; rollouts: number; decisions: number };
}

const RANK = { rollout: 0, telemetry: 1, eval: 2 } as const;

export async function runKafkaReplay(deps: ReaderDeps, o: KafkaReplayOptions): Promise<KafkaReplayResult> {
  const range = { fromMs: o.fromMs, toMs: o.toMs, timeoutMs: o.timeoutMs ?? 120_000 };
  const [telemetry, evals, rollouts, decisions] = await Promise.all([
    readTopic(deps, 'telemetry', range),
    readTopic(deps, 'evals', range),
    readTopic(deps, 'rollouts', { toMs: o.toMs, timeoutMs: range.timeoutMs }),
    readTopic(deps, 'decisions', range),
  ]);
  const items: Array<{ r: TopicRecord<object>; rank: number; line: ParsedLine }> = [];
  const add = (type: keyof typeof RANK, r: TopicRecord<object>): void => {
    items.push({ r, rank: RANK[type], line: decodeRecord({ ...r.value, type }) });
  };
  for (const r of rollouts.records) add('rollout', r);
  for (const r of telemetry.records) add('telemetry', r);
  for (const r of evals.records) add('eval', r);
  items.sort(
    (a, b) =>
      a.r.timestamp - b.r.timestamp ||
      a.rank - b.rank ||
      a.r.partition - b.r.partition ||
      (BigInt(a.r.offset) < BigInt(b.r.offset) ? -1 : 1),
  );
  const replayed: RollbackDecision[] = [];
  const write = (ds: RollbackDecision[]): void => {
    for (const d of ds) {
      replayed.push(d);
      o.output.write(decisionToJsonLine(d) + '\n');
    }
  };
  for (const item of items) write(o.session.push(item.line));
  write(o.session.finish());
  return {
    summary: o.session.summary(),
    replayed,
    recorded: decisions.records.map((r) => r.value),
    read: {
      telemetry: telemetry.records.length,
      evals: evals.records.length,
      rollouts: rollouts.records.length,
      decisions: decisions.records.length,
    },
  };
}
