/**
 * Replay throughput: the whole `backtrack replay` path in process (line reader, JSON parse, Avro
 * validation, stage 1, stage 2, decision serialization) over the input of bench/make-replay-input.ts.
 * Prints records/s per run (wall clock and process CPU, which varies less on a shared machine) and the
 * best run as a JSON line. Target: ≥ 200 000 records/s on one core.
 * `--input-only` replaces the detection stages with a counter, to measure the input path alone.
 *
 *   npx tsx bench/make-replay-input.ts        # once
 *   npx tsx bench/replay-throughput.ts [--input bench/out/replay-input.jsonl] [--runs 3] [--input-only]
 *   node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/replay-throughput.ts --runs 1
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { runReplay, type ReplaySink } from '../services/cli/replay/run-replay.ts';
import { createReplaySession } from '../services/detect/replay/index.ts';
import { SummaryCounter } from '../services/detect/replay/replay-summary.ts';

const DEFAULT_INPUT = 'bench/out/replay-input.jsonl';

class CountingSink extends Writable {
  lines = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const byte of chunk) if (byte === 10) this.lines++;
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
      input: { type: 'string', default: DEFAULT_INPUT },
      runs: { type: 'string', default: '3' },
      'input-only': { type: 'boolean', default: false },
    },
  });
  const inputOnly = values['input-only'];
  if (!existsSync(values.input)) {
    process.stderr.write(`${values.input} is missing: run npx tsx bench/make-replay-input.ts first\n`);
    process.exitCode = 1;
    return;
  }
  const results: number[] = [];
  const cpuRates: number[] = [];
  for (let run = 1; run <= Number(values.runs); run++) {
    const sink = new CountingSink();
    let invalid = 0;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const summary = await runReplay({
      input: { path: values.input },
      output: sink,
      session: inputOnly ? countingSession() : createReplaySession(),
      onInvalid: () => invalid++,
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const rate = Math.round(summary.records / seconds);
    results.push(rate);
    cpuRates.push(Math.round(summary.records / cpuSeconds));
    process.stderr.write(
      `run ${run}: ${summary.records} records in ${seconds.toFixed(2)} s = ${rate.toLocaleString('en-US')} records/s ` +
        `(${cpuSeconds.toFixed(2)} s CPU = ${cpuRates[cpuRates.length - 1]!.toLocaleString('en-US')} records/CPU-s); ` +
        `${sink.lines} decisions, ${summary.snapshots} snapshots, ${invalid} invalid, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB\n`,
    );
  }
  process.stdout.write(
    JSON.stringify({
      bench: inputOnly ? 'replay-input-path' : 'replay-throughput',
      input: values.input,
      recordsPerSec: Math.max(...results),
      recordsPerCpuSec: Math.max(...cpuRates),
      runs: results,
      cpuRuns: cpuRates,
    }) + '\n',
  );
}

await main();
