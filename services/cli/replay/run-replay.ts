/**
 * The file side of a replay: reads JSON lines, decodes and validates each, feeds the replay session in
 * file order and writes every decision as a JSON line as soon as it is made. Invalid lines are reported
 * and skipped, never fatal.
 */
import type { Readable, Writable } from 'node:stream';
import type { RollbackDecision } from '../../../schemas/types.ts';
import { decisionToJsonLine } from '../../detect/replay/decision-json.ts';
import { parseInputLine, type ParsedLine } from '../../detect/replay/parse-input-line.ts';
import type { ReplaySummary } from '../../detect/replay/replay-summary.ts';
import { forEachLine } from '../io/line-reader.ts';

/** The part of a replay session the driver needs. */
export interface ReplaySink {
  push(line: ParsedLine): RollbackDecision[];
  finish(): RollbackDecision[];
  summary(): ReplaySummary;
}

export interface ReplayRunOptions {
  input: { path: string } | { stream: Readable; name: string };
  /** receives one JSON line per decision */
  output: Writable;
  session: ReplaySink;
  onInvalid(lineNo: number, reason: string): void;
  /** called every `progressEvery` lines */
  onProgress?(linesRead: number, summary: () => ReplaySummary): void;
  progressEvery?: number;
}

/** Runs the replay to the end of the input; resolves with the summary once the output is flushed. */
export async function runReplay(opts: ReplayRunOptions): Promise<ReplaySummary> {
  const { session, output, onInvalid, onProgress } = opts;
  const every = opts.progressEvery ?? 250_000;
  const write = (decisions: RollbackDecision[]): void => {
    for (const d of decisions) output.write(decisionToJsonLine(d) + '\n');
  };
  await forEachLine(opts.input, (text, lineNo) => {
    const parsed = parseInputLine(text);
    if (parsed.type === 'invalid') onInvalid(lineNo, parsed.reason);
    const decisions = session.push(parsed);
    if (decisions.length > 0) write(decisions);
    if (onProgress && lineNo % every === 0) onProgress(lineNo, () => session.summary());
  });
  write(session.finish());
  return session.summary();
}
