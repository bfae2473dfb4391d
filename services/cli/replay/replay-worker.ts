/**
 * The worker thread of the two-thread replay: reads and decodes the input file and runs stage 1,
 * posting its events to the main thread in bounded batches (see ./pipelined-replay.ts). Waits when the
 * main thread is more than MAX_IN_FLIGHT batches behind, so memory stays bounded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseInputLine, type ParsedLine } from '../../detect/replay/parse-input-line.ts';
import { detectStages } from '../../detect/replay/detect-stages.ts';
import { StageOneSession } from '../../detect/replay/stage-one-session.ts';
import { stageOneCountsOf } from '../../detect/replay/stage-events.ts';
import { forEachLine } from '../io/line-reader.ts';
import {
  serializeError,
  type PipelineItem,
  type ReplayWorkerData,
  type WorkerMessage,
} from './pipeline-messages.ts';
import { forEachAvroInput } from './replay-input-avro.ts';

/** Records per batch at most; a batch also ends at MAX_BATCH_ITEMS items. */
const BATCH_RECORDS = 8192;
const MAX_BATCH_ITEMS = 256;
const MAX_IN_FLIGHT = 32;

async function run(data: ReplayWorkerData, port: NonNullable<typeof parentPort>): Promise<void> {
  const consumed = new Int32Array(data.consumed);
  let items: PipelineItem[] = [];
  let sinceFlush = 0;
  let posted = 0;
  const one = new StageOneSession(detectStages(data.policy), (e) => items.push(e));
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const flush = (): void => {
    post({ type: 'batch', items, counts: stageOneCountsOf(one.counter) });
    items = [];
    sinceFlush = 0;
    posted += 1;
    for (let c = Atomics.load(consumed, 0); posted - c > MAX_IN_FLIGHT; c = Atomics.load(consumed, 0))
      Atomics.wait(consumed, 0, c, 1000);
  };
  const onInput = (parsed: ParsedLine, position: number): void => {
    if (parsed.type === 'invalid') items.push({ kind: 'invalid', position, reason: parsed.reason });
    one.push(parsed);
    if (data.progressEvery > 0 && position % data.progressEvery === 0)
      items.push({ kind: 'progress', position, counts: stageOneCountsOf(one.counter) });
    if (++sinceFlush >= BATCH_RECORDS || items.length >= MAX_BATCH_ITEMS) flush();
  };
  const source = { path: data.path };
  try {
    if (data.unit === 'record') await forEachAvroInput(source, onInput);
    else await forEachLine(source, (text, lineNo) => onInput(parseInputLine(text), lineNo));
  } catch (err) {
    if (items.length > 0) flush();
    throw err;
  }
  one.finish();
  if (items.length > 0) flush();
  post({ type: 'done', counts: stageOneCountsOf(one.counter) });
}

const port = parentPort;
if (port === null) throw new Error('replay-worker: not started as a worker thread');
run(workerData as ReplayWorkerData, port).catch((err: unknown) =>
  port.postMessage({ type: 'error', error: serializeError(err) } satisfies WorkerMessage),
);
