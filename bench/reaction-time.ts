/**
 * Reaction time: breach → routing command, wall ms, with the pipeline live (signals, trigger and
 * reversion in process on the real broker, test/e2e/harness.ts) and a live regression (the
 * simulator's `errors` preset on the canary: a clear, broad breach). Each decision that produced a
 * routing command is one sample: from the moment the simulator had produced the events that complete
 * the breaching window (window end + allowed lateness) to the command's issuedAt (test/e2e/latency.ts).
 * Pipelines are started one after another until `--samples` are collected or `--budget-s` runs out.
 *
 *   node --import tsx bench/reaction-time.ts [--samples 20] [--budget-s 300] [--hold-ms 3000]
 */
import { parseArgs } from 'node:util';
import { E2ePipeline } from '../test/e2e/harness.ts';
import { emitResult, load1, percentile } from './lib/machine.ts';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '20' },
    'budget-s': { type: 'string', default: '300' },
    'hold-ms': { type: 'string' },
    tenants: { type: 'string', default: '20' },
    speed: { type: 'string', default: '30' },
  },
});
const WANT = Number(args.samples);
const deadline = Date.now() + Number(args['budget-s']) * 1000;
const holdMs = args['hold-ms'] === undefined ? undefined : Number(args['hold-ms']);

interface Sample {
  readonly run: number;
  readonly action: string;
  readonly ms: number;
  readonly parts: string;
}

async function oneRun(run: number): Promise<Sample[]> {
  const e2e = new E2ePipeline({
    label: `bench-reaction-${run}`,
    speed: Number(args.speed),
    tenants: Number(args.tenants),
    regression: 'errors',
    seed: 7 + run,
    ...(holdMs === undefined ? {} : { triggerHoldMs: holdMs }),
  });
  try {
    await e2e.start();
    await e2e.warmUp(30_000);
    await e2e.startRollout(25);
    await e2e.until(() => e2e.decided.some((d) => d.action === 'halt_rollout'), 'a halt_rollout', 120_000);
    await e2e.until(
      () => e2e.sim.tenants.every((t) => e2e.isBack(t.tenantId)),
      'every tenant back on stable',
      30_000,
    );
    await e2e.readersCaughtUp();
    const out: Sample[] = [];
    for (const d of e2e.decided) {
      const ms = e2e.latencyOf(d);
      if (ms !== undefined) out.push({ run, action: d.action, ms, parts: e2e.latencyParts(d) });
    }
    return out;
  } finally {
    await e2e.stop();
  }
}

async function main(): Promise<void> {
  const samples: Sample[] = [];
  const loads: number[] = [];
  let runs = 0;
  let failures = 0;
  while (samples.length < WANT && Date.now() < deadline) {
    runs++;
    loads.push(load1());
    try {
      const got = await oneRun(runs);
      for (const s of got) process.stderr.write(`run ${s.run} ${s.action}: ${s.ms} ms (${s.parts})\n`);
      samples.push(...got);
    } catch (error) {
      failures++;
      process.stderr.write(`run ${runs} failed: ${(error as Error).message.split('\n')[0]}\n`);
      if (failures >= 10) break;
      // a loaded broker can lag behind freshly created topics: give it time before the next run
      await new Promise((r) => setTimeout(r, 10_000));
    }
  }
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  emitResult({
    samples: sorted.length,
    runs,
    failedRuns: failures,
    triggerHoldMs: holdMs ?? 3_000,
    breachToCommandP50Ms: percentile(sorted, 50) ?? null,
    breachToCommandP99Ms: percentile(sorted, 99) ?? null,
    breachToCommandMaxMs: sorted.at(-1) ?? null,
    byAction: Object.fromEntries(
      [...new Set(samples.map((s) => s.action))].map((a) => [
        a,
        samples.filter((s) => s.action === a).map((s) => s.ms),
      ]),
    ),
    loadAverages: loads,
  });
  process.exit(0);
}

await main();
