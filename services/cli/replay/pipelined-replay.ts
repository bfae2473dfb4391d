/**
 * `backtrack replay` of a file on two threads: a worker reads, decodes and runs stage 1
 * (./replay-worker.ts); this thread runs stage 2 on the events it posts, in their order, and writes the
 * decisions. Same decisions, bytes, summary, invalid-record reports and errors as `runReplay` with an
 * in-process session of the same policy.
 */
import { Worker } from 'node:worker_threads';
import type { RollbackDecision } from '../../../schemas/types.ts';
import type { Policy } from '../../detect/policy/index.ts';
import { decisionToJsonLine } from '../../detect/replay/decision-json.ts';
import { detectStages } from '../../detect/replay/detect-stages.ts';
import { SummaryCounter, type ReplaySummary } from '../../detect/replay/replay-summary.ts';
import { applyStageOneCounts } from '../../detect/replay/stage-events.ts';
import { StageTwoSession, type ReplayObservers } from '../../detect/replay/stage-two-session.ts';
import { isAvroContainer } from '../io/avro-file-reader.ts';
import { deserializeError, type ReplayWorkerData, type WorkerMessage } from './pipeline-messages.ts';
import type { ReplayRunOptions } from './run-replay.ts';

export interface PipelinedReplayOptions extends Omit<ReplayRunOptions, 'input' | 'session'> {
  input: { path: string };
  policy: Policy;
  observers?: ReplayObservers;
}

/** Runs the replay to the end of the file; resolves with the summary once every decision is written. */
export async function runPipelinedReplay(opts: PipelinedReplayOptions): Promise<ReplaySummary> {
  const { output, onInvalid, onProgress } = opts;
  const unit = (await isAvroContainer(opts.input.path)) ? 'record' : 'line';
  const counter = new SummaryCounter();
  const two = new StageTwoSession(detectStages(opts.policy), opts.observers, counter);
  const consumed = new SharedArrayBuffer(4);
  const worker = startWorker({
    path: opts.input.path,
    unit,
    policy: opts.policy,
    progressEvery: onProgress ? (opts.progressEvery ?? 250_000) : 0,
    consumed,
  });
  const credit = new Int32Array(consumed);
  const write = (decisions: RollbackDecision[]): void => {
    for (const d of decisions) output.write(decisionToJsonLine(d) + '\n');
  };
  const onBatch = (m: Extract<WorkerMessage, { type: 'batch' }>): void => {
    for (const item of m.items) {
      if (item.kind === 'invalid') onInvalid(item.position, item.reason, unit);
      else if (item.kind === 'progress') {
        applyStageOneCounts(counter, item.counts);
        onProgress?.(item.position, () => counter.toSummary(), unit);
      } else write(two.apply(item));
    }
    applyStageOneCounts(counter, m.counts);
    Atomics.add(credit, 0, 1);
    Atomics.notify(credit, 0);
  };
  return new Promise<ReplaySummary>((resolve, reject) => {
    let settled = false;
    const settle = (err: unknown, summary?: ReplaySummary): void => {
      if (settled) return;
      settled = true;
      if (summary === undefined) {
        void worker.terminate();
        reject(err);
      } else resolve(summary);
    };
    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      try {
        if (m.type === 'batch') onBatch(m);
        else if (m.type === 'error') settle(deserializeError(m.error));
        else {
          applyStageOneCounts(counter, m.counts);
          settle(undefined, counter.toSummary());
        }
      } catch (err) {
        settle(err);
      }
    });
    worker.on('error', (err) => settle(err));
    worker.on('exit', (code) => settle(new Error(`replay worker exited (code ${code}) before the end`)));
  });
}

/** Starts ./replay-worker.ts with the TypeScript loader registered in the worker (workers do not inherit it). */
function startWorker(data: ReplayWorkerData): Worker {
  const entry = new URL('./replay-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}
