/** The machine a benchmark ran on, and how busy it was: recorded with every result. */
import { execSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly ramGiB: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  /** `uptime` output at the time of measuring (load averages). */
  readonly uptime: string;
  readonly date: string;
}

export function machineInfo(): MachineInfo {
  let uptime = `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;
  try {
    uptime = execSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    // keep os.loadavg()
  }
  return {
    nproc: cpus().length,
    ramGiB: +(totalmem() / 2 ** 30).toFixed(1),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    uptime,
    date: new Date().toISOString(),
  };
}

export const load1 = (): number => +(loadavg()[0] ?? 0).toFixed(2);

/** Nearest-rank percentile of ascending `sorted`, `p` in 0..100. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** Prints the result as the last stdout line, `BENCH_RESULT <json>`, for bench/run.ts to pick up. */
export function emitResult(result: object): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}
