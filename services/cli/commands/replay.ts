/**
 * `backtrack replay`: runs the detection core offline, on event time, over a JSON-lines or Avro replay
 * input file (`--input`; `replay convert` writes the Avro form) or a Kafka time range (`--from`/`--to`),
 * and writes the decisions as JSON lines, with a summary on stderr (and as JSON on stdout with --json).
 * The Kafka mode adds the what-if diff against the decisions recorded in the range.
 */
import { Command, InvalidArgumentError } from 'commander';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CliIo } from '../cli-io.ts';
import { loadPolicy } from '../replay/load-policy.ts';
import { closeOutput, openOutput } from '../io/output.ts';
import { formatSummary } from '../replay/format-summary.ts';
import { runReplay, type InputUnit, type ReplayRunOptions } from '../replay/run-replay.ts';
import { runPipelinedReplay } from '../replay/pipelined-replay.ts';
import { createReplaySession } from '../../detect/replay/index.ts';
import { diffDecisions } from '../../ops/decision-diff.ts';
import { withCluster } from '../io/cluster-command.ts';
import { timeArg } from '../io/time-arg.ts';
import { formatDiff } from '../replay/format-diff.ts';
import { runKafkaReplay } from '../replay/kafka-replay.ts';
import { registerReplayConvertCommand } from '../replay/convert-command.ts';

interface ReplayOptions {
  input?: string;
  from?: number;
  to?: number;
  output?: string;
  policy?: string;
  json?: boolean;
  progress?: boolean;
  progressEvery: number;
  maxInvalidReports: number;
  threads?: number;
}

const integerAtLeast =
  (min: number) =>
  (value: string): number => {
    const v = Number(value);
    if (!Number.isSafeInteger(v) || v < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return v;
  };

/** Below this size the worker's start-up (~0.3–1 s under tsx) costs more than the second core saves. */
const PIPELINE_MIN_BYTES = 8 << 20;

const threadCount = (value: string): number => {
  if (value !== '1' && value !== '2') throw new InvalidArgumentError('expected 1 or 2');
  return Number(value);
};

export function registerReplayCommand(program: Command, io: CliIo): void {
  const replay = program
    .command('replay')
    .description('Re-run detection offline over recorded events and write the rollback decisions')
    .option(
      '-i, --input <file>',
      'JSON lines (telemetry, eval (type: eval) and rollout (type: rollout) records; - for stdin) or an Avro replay input (see replay convert), told apart by the magic bytes',
    )
    .option(
      '--from <time>',
      'Kafka mode: start of the range (ISO time, epoch ms, or a duration ago)',
      timeArg,
    )
    .option('--to <time>', 'Kafka mode: end of the range (default now)', timeArg)
    .option('-o, --output <file>', 'decisions as JSON lines; - for stdout (default: stdout)')
    .option('-p, --policy <file>', 'policy YAML (default: the built-in policy)')
    .option('--json', 'also print the summary as JSON on stdout (needs --output <file>)')
    .option('--progress', 'report progress on stderr (default: only when stderr is a terminal)')
    .option('--progress-every <n>', 'lines (records) between progress reports', integerAtLeast(1), 250_000)
    .option(
      '--max-invalid-reports <n>',
      'invalid lines (records) reported one by one; the rest are counted',
      integerAtLeast(0),
      1000,
    )
    .option(
      '--threads <n>',
      'file inputs: 2 reads, decodes and aggregates on a worker thread while the main thread decides (same output); 1 runs on one thread (default: 2 for files of 8 MiB or more)',
      threadCount,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  backtrack replay --input events.jsonl --output decisions.jsonl\n  backtrack replay -i events.jsonl -o decisions.jsonl --policy policy.yaml --json > summary.json\n  backtrack replay convert events.jsonl events.avro && backtrack replay -i events.avro -o decisions.jsonl\n  backtrack replay --from 2026-11-27T10:00:00Z --to 2026-11-27T12:00:00Z --policy strict.yaml -o whatif.jsonl\n',
    )
    .allowExcessArguments()
    .action(async (opts: ReplayOptions, command: Command) => {
      const [stray] = command.args;
      if (stray !== undefined)
        command.error(
          `error: unknown command 'replay ${stray}' (replay takes options; did you mean 'replay convert'?)`,
          {
            exitCode: 2,
          },
        );
      if (opts.json && (opts.output ?? '-') === '-')
        command.error('error: --json writes the summary on stdout; give --output <file>', { exitCode: 2 });
      const { input, from } = opts;
      if (input !== undefined && from === undefined) return replayCommand({ ...opts, input }, io);
      if (input === undefined && from === undefined)
        command.error(
          "error: required option '-i, --input <file>' not specified (or --from <time> for a Kafka range)",
          {
            exitCode: 2,
          },
        );
      if (input !== undefined || from === undefined)
        command.error('error: give either --input <file> or --from <time> [--to <time>], not both', {
          exitCode: 2,
        });
      const to = opts.to ?? Date.now();
      if (from > to) command.error('error: --from is after --to', { exitCode: 2 });
      await kafkaReplayCommand(opts, from, to, io, command);
    });
  registerReplayConvertCommand(replay, io);
}

async function kafkaReplayCommand(
  opts: ReplayOptions,
  fromMs: number,
  toMs: number,
  io: CliIo,
  command: Command,
): Promise<void> {
  const started = performance.now();
  const policy = loadPolicy(opts.policy);
  const output = openOutput(opts.output ?? '-', io);
  const r = await withCluster(command, io, (cluster) =>
    runKafkaReplay(cluster, {
      fromMs,
      toMs,
      session: createReplaySession({ policy }),
      output: output.stream,
    }),
  );
  await closeOutput(output);
  const elapsedMs = performance.now() - started;
  const diff = diffDecisions(r.recorded, r.replayed);
  io.stderr.write(formatSummary(r.summary, elapsedMs));
  io.stderr.write(formatDiff(diff));
  if (opts.json)
    io.stdout.write(
      JSON.stringify({
        ...r.summary,
        elapsedMs: Math.round(elapsedMs),
        range: { fromMs, toMs },
        read: r.read,
        diff,
      }) + '\n',
    );
}

async function replayCommand(opts: ReplayOptions & { input: string }, io: CliIo): Promise<void> {
  const started = performance.now();
  const policy = loadPolicy(opts.policy);
  const output = openOutput(opts.output ?? '-', io);
  const inputName = opts.input === '-' ? 'stdin' : opts.input;
  let invalid = 0;
  let invalidUnit: InputUnit = 'line';
  const showProgress = opts.progress === true || io.stderrIsTty;
  const common: Omit<ReplayRunOptions, 'input' | 'session'> = {
    output: output.stream,
    onInvalid(n, reason, unit) {
      invalid += 1;
      invalidUnit = unit;
      if (invalid <= opts.maxInvalidReports)
        io.stderr.write(
          `${inputName}:${unit === 'record' ? ` record ${n}:` : `${n}:`} invalid, skipped: ${reason}\n`,
        );
    },
    progressEvery: opts.progressEvery,
    onProgress: showProgress
      ? (read, current, unit) => {
          const s = (performance.now() - started) / 1000;
          const d = current().decisions.total;
          io.stderr.write(
            `replay: ${read.toLocaleString('en-US')} ${unit}s, ${d} decisions, ${Math.round(read / s).toLocaleString('en-US')} ${unit}s/s\n`,
          );
        }
      : undefined,
  };
  const summary =
    threadsFor(opts) > 1 && opts.input !== '-'
      ? await runPipelinedReplay({ ...common, input: { path: opts.input }, policy })
      : await runReplay({
          ...common,
          input: opts.input === '-' ? { stream: io.stdin, name: 'stdin' } : { path: opts.input },
          session: createReplaySession({ policy }),
        });
  await closeOutput(output);
  if (invalid > opts.maxInvalidReports)
    io.stderr.write(
      `${inputName}: ${invalid - opts.maxInvalidReports} more invalid ${invalidUnit}s not shown\n`,
    );
  const elapsedMs = performance.now() - started;
  io.stderr.write(formatSummary(summary, elapsedMs));
  if (opts.json) io.stdout.write(JSON.stringify({ ...summary, elapsedMs: Math.round(elapsedMs) }) + '\n');
}

function threadsFor(opts: ReplayOptions & { input: string }): number {
  if (opts.threads !== undefined || opts.input === '-') return opts.threads ?? 1;
  try {
    return statSync(opts.input).size >= PIPELINE_MIN_BYTES ? 2 : 1;
  } catch {
    return 1;
  }
}
