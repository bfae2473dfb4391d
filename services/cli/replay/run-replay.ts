/**
 * The file side of a replay: reads the input (an Avro replay input file, picked by its magic bytes, or
 * JSON lines), decodes and validates each record, feeds the replay session in file order and writes
 * every decision as a JSON line as soon as it is made. Invalid records are reported and skipped, never
 * fatal.
 */
import type { Readable, Writable } from 'node:stream';
import type { RollbackDecision } from '../../../schemas/types.ts';
import { decisionToJsonLine } from '../../detect/replay/decision-json.ts';
import { parseInputLine, type ParsedLine } from '../../detect/replay/parse-input-line.ts';
import type { ReplaySummary } from '../../detect/replay/replay-summary.ts';
import { isAvroContainer } from '../io/avro-file-reader.ts';
import { forEachLine } from '../io/line-reader.ts';
import { forEachAvroInput } from './replay-input-avro.ts';

/** The part of a replay session the driver needs. */
export interface ReplaySink {
  push(line: ParsedLine): RollbackDecision[];
  finish(): RollbackDecision[];
  summary(): ReplaySummary;
}

/** What the input counts: JSON lines or Avro records. */
export type InputUnit = 'line' | 'record';

export interface ReplayRunOptions {
  input: { path: string } | { stream: Readable; name: string };
  /** receives one JSON line per decision */
  output: Writable;
  session: ReplaySink;
  /** `position` is a 1-based line number (JSON lines) or record number (Avro), as `unit` says */
  onInvalid(position: number, reason: string, unit: InputUnit): void;
  /** called every `progressEvery` lines or records */
  onProgress?(read: number, summary: () => ReplaySummary, unit: InputUnit): void;
  progressEvery?: number;
}

/** Runs the replay to the end of the input; resolves with the summary once the output is flushed. */
export async function runReplay(opts: ReplayRunOptions): Promise<ReplaySummary> {
  const { session, output, onInvalid, onProgress } = opts;
  const every = opts.progressEvery ?? 250_000;
  const write = (decisions: RollbackDecision[]): void => {
    for (const d of decisions) output.write(decisionToJsonLine(d) + '\n');
  };
  const unit: InputUnit =
    'path' in opts.input && (await isAvroContainer(opts.input.path)) ? 'record' : 'line';
  const onInput = (parsed: ParsedLine, n: number): void => {
    if (parsed.type === 'invalid') onInvalid(n, parsed.reason, unit);
    const decisions = session.push(parsed);
    if (decisions.length > 0) write(decisions);
    if (onProgress && n % every === 0) onProgress(n, () => session.summary(), unit);
  };
  if (unit === 'record') await forEachAvroInput(opts.input, onInput);
  else await forEachLine(opts.input, (text, lineNo) => onInput(parseInputLine(text), lineNo));
  write(session.finish());
  return session.summary();
}
