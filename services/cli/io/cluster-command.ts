/**
 * Runs a command body with an open cluster connection (flags of the program, see cluster.ts) and
 * closes it whatever happens.
 */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { openCluster, type Cluster, type ClusterFlags } from './cluster.ts';

export async function withCluster<T>(
  command: Command,
  io: CliIo,
  body: (cluster: Cluster) => Promise<T>,
): Promise<T> {
  const cluster = openCluster(command.optsWithGlobals<ClusterFlags>(), io);
  try {
    return await body(cluster);
  } finally {
    await cluster.close();
  }
}

/** The actor of a write: `--actor`, else BACKTRACK_ACTOR, USER, or `cli`. */
export function actorOf(flag: string | undefined, io: CliIo): string {
  const env = io.env ?? process.env;
  return flag ?? env.BACKTRACK_ACTOR ?? env.USER ?? 'cli';
}

/** Writes `value` as one JSON line on stdout. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value) + '\n');
}

/** Left-aligned columns, two spaces apart, for a header row and data rows. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return (
    rows
      .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
      .join('\n') + '\n'
  );
}
