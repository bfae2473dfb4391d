/**
 * Replay throughput: the whole `backtrack replay` path in process (line reader, JSON parse, Avro
 * validation, stage 1, stage 2, decision serialization) over the input of bench/make-replay-input.ts.
 * Prints records/s per run (wall clock and process CPU, which varies less on a shared machine) and the
 * best run as a JSON line. Target: ≥ 200 000 records/s on one core.
 * `--input <file>` may be given more than once (e.g. the .jsonl and the .avro of make-replay-input.ts,
 * told apart by their magic bytes as `backtrack replay` does): the inputs are run alternately, run by
 * run, and each gets its rates and the sha256 of its decision lines, which must be equal for the same
 * records. `--input-only` replaces the detection stages with a counter, to measure the input path alone.
 * `--baseline <dir>` also runs the replay of another checkout (e.g. `git worktree add /tmp/base HEAD`, with
 * node_modules linked) in the same process, alternating with this one run by run, so that both see the
 * same machine load; the JSON line then carries `baseline` rates too. `--threads 1,2` also runs the
 * two-thread pipeline of `backtrack replay --threads 2` (stage 1 on a worker), alternating with the rest.
 *
 *   npx tsx bench/make-replay-input.ts        # once
 *   npx tsx bench/replay-throughput.ts [--input bench/out/replay-input.jsonl] [--runs 3] [--input-only]
 *   npx tsx bench/replay-throughput.ts --input bench/out/replay-input.jsonl --input bench/out/replay-input.avro
 *   node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/replay-throughput.ts --runs 1
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { runReplay, type ReplaySink } from '../services/cli/replay/run-replay.ts';
import { createReplaySession } from '../services/detect/replay/index.ts';
import { defaultPolicy } from '../services/detect/policy/index.ts';
import { runPipelinedReplay } from '../services/cli/replay/pipelined-replay.ts';
import { SummaryCounter } from '../services/detect/replay/replay-summary.ts';

const DEFAULT_INPUT = 'bench/out/replay-input.jsonl';

class CountingSink extends Writable {
  lines = 0;
  readonly hash = createHash('sha256');
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const byte of chunk) if (byte === 10) this.lines++;
    this.hash.update(chunk);
    done();
  }
}

/** Counts decoded records and does nothing else: the input path's cost alone. */
function countingSession(): ReplaySink {
  const c = new SummaryCounter();
  return {
    push(line) {
      if (line.type !== 'blank') c.records++;
      if (line.type === 'invalid') c.invalid++;
      return [];
    },
    finish: () => [],
    summary: () => c.toSummary(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      input: { type: 'string', multiple: true, default: [DEFAULT_INPUT] },
      runs: { type: 'string', default: '3' },
      'input-only': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      threads: { type: 'string', default: '1' },
    },
  });
  const inputOnly = values['input-only'];
  const missing = values.input.find((f) => !existsSync(f));
  if (missing !== undefined) {
    process.stderr.write(`${missing} is missing: run npx tsx bench/make-replay-input.ts first\n`);
    process.exitCode = 1;
    return;
  }
  const variants: Variant[] = [];
  const threads = values.threads.split(',').map(Number);
  for (const input of values.input) {
    for (const t of threads)
      variants.push({
        name: t === 1 ? 'current' : `threads ${t}`,
        input,
        threads: t,
        runReplay,
        createReplaySession,
        wall: [],
        cpu: [],
        sha256: [],
      });
    if (values.baseline !== undefined) variants.push(await loadVariant(values.baseline, input));
  }
  for (let run = 1; run <= Number(values.runs); run++) {
    const order = run % 2 === 1 ? variants : [...variants].reverse();
    for (const v of order) await measure(v, run, inputOnly);
  }
  const bench = inputOnly ? 'replay-input-path' : 'replay-throughput';
  for (const input of values.input) {
    const [current, ...others] = variants.filter((v) => v.input === input);
    const baseline = others.find((v) => v.name === 'baseline');
    const pipelined = others.filter((v) => v.threads > 1);
    process.stdout.write(
      JSON.stringify({
        bench,
        input,
        ...ratesOf(current!),
        ...(baseline ? { baseline: { dir: values.baseline, ...ratesOf(baseline) } } : {}),
        ...Object.fromEntries(pipelined.map((v) => [`threads${v.threads}`, ratesOf(v)])),
      }) + '\n',
    );
  }
  const hashes = new Set(variants.flatMap((v) => v.sha256));
  if (!inputOnly && hashes.size > 1) {
    process.stderr.write(`decisions differ between inputs or runs: ${[...hashes].join(' ')}\n`);
    process.exitCode = 1;
  }
}

interface Variant {
  name: string;
  input: string;
  threads: number;
  runReplay: typeof runReplay;
  createReplaySession: typeof createReplaySession;
  wall: number[];
  cpu: number[];
  /** sha256 of the decision lines, per run */
  sha256: string[];
}

async function loadVariant(dir: string, input: string): Promise<Variant> {
  const root = resolve(dir);
  const run = (await import(`${root}/services/cli/replay/run-replay.ts`)) as { runReplay: typeof runReplay };
  const replay = (await import(`${root}/services/detect/replay/index.ts`)) as {
    createReplaySession: typeof createReplaySession;
  };
  return {
    name: 'baseline',
    input,
    threads: 1,
    runReplay: run.runReplay,
    createReplaySession: replay.createReplaySession,
    wall: [],
    cpu: [],
    sha256: [],
  };
}

async function measure(v: Variant, run: number, inputOnly: boolean): Promise<void> {
  const sink = new CountingSink();
  let invalid = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const summary =
    v.threads > 1 && !inputOnly
      ? await runPipelinedReplay({
          input: { path: v.input },
          output: sink,
          policy: defaultPolicy(),
          onInvalid: () => invalid++,
        })
      : await v.runReplay({
          input: { path: v.input },
          output: sink,
          session: inputOnly ? countingSession() : v.createReplaySession(),
          onInvalid: () => invalid++,
        });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = Math.round(summary.records / seconds);
  const cpuRate = Math.round(summary.records / cpuSeconds);
  v.wall.push(rate);
  v.cpu.push(cpuRate);
  const sha = sink.hash.digest('hex');
  v.sha256.push(sha);
  process.stderr.write(
    `run ${run} ${v.input}${v.name === 'current' ? '' : ` (${v.name})`}: ${summary.records} records in ${seconds.toFixed(2)} s = ${rate.toLocaleString('en-US')} records/s ` +
      `(${cpuSeconds.toFixed(2)} s CPU = ${cpuRate.toLocaleString('en-US')} records/CPU-s); ` +
      `${sink.lines} decisions (sha256 ${sha.slice(0, 12)}), ${summary.snapshots} snapshots, ${invalid} invalid, load ${loadavg()[0]!.toFixed(1)}, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB\n`,
  );
}

function ratesOf(v: Variant): {
  recordsPerSec: number;
  recordsPerCpuSec: number;
  runs: number[];
  cpuRuns: number[];
  sha256: string | undefined;
} {
  return {
    recordsPerSec: Math.max(...v.wall),
    recordsPerCpuSec: Math.max(...v.cpu),
    runs: v.wall,
    cpuRuns: v.cpu,
    sha256: v.sha256[0],
  };
}

await main();
