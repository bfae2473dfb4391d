/**
 * `npm run bench [-- --quick]` (or BENCH_QUICK=1): runs the benchmarks one after another, each in its
 * own process, prints a table, writes bench/results.json and rewrites the generated section of
 * bench/RESULTS.md. Needs the broker and registry (infra/up.sh). Full run ≤ ~10 min; --quick ≤ ~2 min.
 * `--only throughput,state` re-runs sections and merges them into the existing bench/results.json;
 * `--render` rewrites the table and RESULTS.md from it; `--quick` writes bench/out/results-quick.json.
 *
 *   throughput + scale-out  bench/signals-throughput.ts  (raw kafkajs+decode vs signals, 1 vs 2 instances)
 *   reaction time           bench/reaction-time.ts       (breach → routing command, live pipeline)
 *   state scale             bench/state-scale.ts         (1k/10k/100k tenants x 2 bundles, in process)
 *   replay                  bench/replay-throughput.ts   (1 M records: Avro input file, and the same as JSONL)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { machineInfo, type MachineInfo } from './lib/machine.ts';
import { runBench } from './lib/run-child.ts';
import { tableLines, writeResultsMd, type Row } from './lib/results-md.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    only: { type: 'string' },
    'hold-ms': { type: 'string' },
    render: { type: 'boolean', default: false },
  },
});
const quick = args.quick;
const only = args.only?.split(',');
const want = (name: string): boolean => only === undefined || only.includes(name);
const REPLAY_INPUT = 'bench/out/replay-input.jsonl';
const REPLAY_AVRO = 'bench/out/replay-input.avro';
/** A quick run is a smoke test: its figures go to bench/out/, never over the recorded ones. */
const RESULTS = quick ? 'bench/out/results-quick.json' : 'bench/results.json';
const MIN = 60_000;

type Json = Record<string, unknown>;
const results: Json = {};
const errors: Record<string, string> = {};
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  if (!want(name)) return;
  const t0 = performance.now();
  process.stderr.write(`== ${name}\n`);
  try {
    await fn();
  } catch (error) {
    errors[name] = (error as Error).message;
    process.stderr.write(`== ${name} failed: ${(error as Error).message}\n`);
  }
  process.stderr.write(`== ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}

/** `--render`: the table and RESULTS.md again from bench/results.json, nothing measured. */
function render(): void {
  const r = JSON.parse(readFileSync(RESULTS, 'utf8')) as Json;
  const rows = summaryRows(r);
  console.log(tableLines(rows).join('\n'));
  if (r.quick !== true)
    writeResultsMd('bench/RESULTS.md', r.machine as MachineInfo, rows, notes(r), String(r.loadAfter));
}

async function main(): Promise<void> {
  if (args.render) return render();
  const machine = machineInfo();
  const started = performance.now();
  await section('throughput', async () => {
    const r = await runBench(
      'bench/signals-throughput.ts',
      quick ? ['--events', '100000', '--tenants', '2000', '--skip-scale-out'] : ['--events', '400000'],
      6 * MIN,
    );
    Object.assign(results, {
      throughputRatio: r.throughputRatio,
      signalsEventsPerSec: r.signalsEventsPerSec,
      rawEventsPerSec: r.rawEventsPerSec,
      signalsEventsPerCpuSec: r.signalsEventsPerCpuSec,
      rawEventsPerCpuSec: r.rawEventsPerCpuSec,
      cpuRatio: r.cpuRatio,
      scaleOut1EventsPerSec: r.scaleOut1EventsPerSec,
      scaleOut2EventsPerSec: r.scaleOut2EventsPerSec,
      bytesPerEvent: r.bytesPerEvent,
      throughput: r,
    });
  });
  await section('state', async () => {
    const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
    const bySize: Json = {};
    for (const tenants of sizes) {
      const shape = ['--events-per-tenant', '6', '--event-minutes', '3'];
      const r = await runBench('bench/state-scale.ts', ['--tenants', String(tenants), ...shape], 6 * MIN);
      const k = `${tenants / 1000}k`;
      bySize[k] = r;
      results[`rssMbAt${k}Tenants`] = r.peakRssMb;
      results[`rocksdbMbAt${k}Tenants`] = r.rocksdbMb;
      results[`stateEventsPerSecAt${k}Tenants`] = r.eventsPerSec;
    }
    results.rssMbAt100kTenants ??= null;
    results.stateScale = bySize;
  });
  await section('replay', async () => {
    if (quick) return;
    if (!existsSync(REPLAY_INPUT) || !existsSync(REPLAY_AVRO))
      execSync('npx tsx bench/make-replay-input.ts', { stdio: 'inherit' });
    const avro = await runBench(
      'bench/replay-throughput.ts',
      ['--runs', '2', '--threads', '1,2', '--input', REPLAY_AVRO],
      5 * MIN,
    );
    const jsonl = await runBench(
      'bench/replay-throughput.ts',
      ['--runs', '1', '--input', REPLAY_INPUT],
      5 * MIN,
    );
    results.replayEventsPerSec = (avro.threads2 as Json | undefined)?.recordsPerSec ?? null;
    results.replayOneThreadEventsPerSec = avro.recordsPerSec;
    results.replayJsonlEventsPerSec = jsonl.recordsPerSec;
    results.replay = { avro, jsonl };
  });
  await section('reaction', async () => {
    const hold = args['hold-ms'] === undefined ? [] : ['--hold-ms', args['hold-ms']];
    const r = await runBench(
      'bench/reaction-time.ts',
      [
        ...(quick ? ['--samples', '2', '--budget-s', '40'] : ['--samples', '20', '--budget-s', '270']),
        ...hold,
      ],
      6 * MIN,
    );
    Object.assign(results, {
      breachToCommandP50Ms: r.breachToCommandP50Ms,
      breachToCommandP99Ms: r.breachToCommandP99Ms,
      reaction: r,
    });
  });
  const loadAfter = machineInfo().uptime;
  const previous =
    only !== undefined && existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Json) : {};
  const out = {
    ...previous,
    ...results,
    machine,
    loadAfter,
    quick,
    durationS: Math.round((performance.now() - started) / 1000),
    errors: { ...((previous.errors as Record<string, string> | undefined) ?? {}), ...errors },
    ...(only === undefined ? {} : { rerun: { sections: only, machine } }),
  };
  for (const name of only ?? []) if (!(name in errors)) delete out.errors[name];
  writeFileSync(RESULTS, JSON.stringify(out, null, 2) + '\n');
  const rows = summaryRows(out);
  console.log(tableLines(rows).join('\n'));
  if (!quick && out.quick !== true) writeResultsMd('bench/RESULTS.md', machine, rows, notes(out), loadAfter);
  console.log(`${RESULTS} written (${out.durationS} s${quick ? ', quick' : ''})`);
}

function summaryRows(r: Json): Row[] {
  const row = (metric: string, key: string, unit: string, target = '', ok?: (v: number) => boolean): Row => {
    const value = num(r[key]);
    return {
      metric: `${metric} (\`${key}\`)`,
      value,
      unit,
      target,
      met: ok && value !== null ? ok(value) : null,
    };
  };
  const size = (k: string): Row[] => [
    row(`RSS at ${k} tenants`, `rssMbAt${k}Tenants`, 'MB', k === '100k' ? '<= 1500' : '', (v) => v <= 1500),
    row(`RocksDB at ${k} tenants`, `rocksdbMbAt${k}Tenants`, 'MB'),
    row(`signals processor at ${k} tenants`, `stateEventsPerSecAt${k}Tenants`, 'events/s'),
  ];
  return [
    row('signals / raw consume', 'throughputRatio', '', '>= 0.8', (v) => v >= 0.8),
    row('signals, 1 instance', 'signalsEventsPerSec', 'events/s', '>= 50 000', (v) => v >= 50_000),
    row('raw kafkajs + decode', 'rawEventsPerSec', 'events/s'),
    row('signals / raw, per CPU-second', 'cpuRatio', ''),
    row('signals per CPU-second', 'signalsEventsPerCpuSec', 'events/CPU-s'),
    row('raw per CPU-second', 'rawEventsPerCpuSec', 'events/CPU-s'),
    row('breach → command p50', 'breachToCommandP50Ms', 'ms'),
    row('breach → command p99', 'breachToCommandP99Ms', 'ms', '<= 1000', (v) => v <= 1000),
    ...['1k', '10k', '100k'].flatMap(size),
    row(
      'replay, Avro input, 2 threads',
      'replayEventsPerSec',
      'records/s',
      '>= 200 000',
      (v) => v >= 200_000,
    ),
    row('replay, Avro input, 1 thread', 'replayOneThreadEventsPerSec', 'records/s'),
    row('replay, JSONL input, 1 thread', 'replayJsonlEventsPerSec', 'records/s'),
    row('scale-out, 1 instance', 'scaleOut1EventsPerSec', 'events/s'),
    row('scale-out, 2 instances', 'scaleOut2EventsPerSec', 'events/s'),
    row('Avro telemetry value', 'bytesPerEvent', 'bytes'),
  ].filter((x) => !(x.metric.includes('100k') && x.value === null && quick));
}

function notes(r: Json): string[] {
  const t = r.throughput as Json | undefined;
  const re = r.reaction as Json | undefined;
  const out = [
    `Throughput: ${formatCount(t?.events)} events, ${formatCount(t?.tenants)} tenants, ${String(t?.partitions)} partitions, ` +
      'default policy (60 s sub-windows); rates from the first to the last offset commit of each consumer group.',
    'Scale-out: 2 instances are 2 processes on a 2-core machine that also runs the broker, the registry and ' +
      'other jobs: the second instance mostly competes for the same cores, so the 2-instance figure is a floor.',
    `Reaction: ${String(re?.samples)} samples over ${String(re?.runs)} pipeline runs (one halt_rollout ` +
      'decision each; errors preset, policies/demo.yaml, 30× event time). Trigger decides a window once every ' +
      `tenant has delivered it; its hold (${String(re?.triggerHoldMs)} ms, \`--hold-ms\`) only bounds the wait for a quiet one.`,
    'State scale: in process, 12 partitions (processors), RocksDB + changelogging store, default decoded-state ' +
      'cache (5 000 tenants per partition); 6 events per tenant over 3 event-minutes; peak RSS. ' +
      'Sparse on purpose (state, not event rate): the rate is dominated by window closes and state writes.',
    'Replay: the same 1 M records (bench/make-replay-input.ts) as an Avro input file (`backtrack replay convert`) ' +
      'and as JSON lines, default policy; best of the runs; 2 threads is what `backtrack replay` does for files ' +
      'of 8 MiB or more (input + stage 1 on a worker); the decisions are checked byte-identical.',
  ];
  const earlier = (r.reactionEarlier as Json[] | undefined) ?? [];
  if (earlier.length > 0)
    out.push(
      'Reaction, earlier runs the same hour: ' +
        earlier
          .map(
            (e) =>
              `${String(e.samples)} samples at load ${String((e.loadAverages as number[] | undefined)?.[0])}, p50 ${String(e.breachToCommandP50Ms)} ms, p99 ${String(e.breachToCommandP99Ms)} ms`,
          )
          .join('; ') +
        '. Their failed runs: the shared broker answered "does not host this topic-partition" / "not the leader" ' +
        'while another job ran broker-restart fault tests; the spread follows the load and the broker, not the pipeline.',
    );
  for (const [name, e] of Object.entries((r.errors as Record<string, string>) ?? {}))
    out.push(`**${name} failed**: ${e}`);
  return out;
}

const formatCount = (v: unknown): string => (typeof v === 'number' ? v.toLocaleString('en-US') : 'n/a');

await main();
