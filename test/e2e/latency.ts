/**
 * Breach → routing command latencies of the end-to-end tests, wall ms. Each sample is printed as one
 * line `e2e-latency <test> <ms>` when recorded; `printLatencySummary()` (in an `after` hook) prints
 * `e2e-latency-summary <file> n=<n> p50=<ms> p99=<ms> max=<ms>` for the file's samples.
 */
import type { RollbackDecision, RoutingCommand } from '../../schemas/types.ts';

export interface LatencySample {
  readonly test: string;
  /** wall ms */
  readonly ms: number;
}

const samples: LatencySample[] = [];

export function recordLatency(test: string, ms: number): void {
  samples.push({ test, ms });
  console.log(`e2e-latency ${test} ${ms}`);
}

/** Nearest-rank percentile of ascending `sorted`, `p` in 0..100; undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function latencySummary(file: string): string {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  if (sorted.length === 0) return `e2e-latency-summary ${file} n=0 (no rollback measured)`;
  return (
    `e2e-latency-summary ${file} n=${sorted.length} p50=${percentile(sorted, 50)} ` +
    `p99=${percentile(sorted, 99)} max=${sorted.at(-1)}`
  );
}

export function printLatencySummary(file: string): void {
  console.log(latencySummary(file));
}

/** What the measurement needs of the simulator: wall clock by which the events up to an event time were acknowledged. */
export interface WallIndex {
  producedBy(eventTimeMs: number): number | undefined;
}

/**
 * Breach → first routing command of `decision`, wall ms. The breach is when the simulator had produced
 * the events up to the decision's window end plus the allowed lateness (the events that close the
 * window); the command is its `issuedAt` (reversion's wall clock). Undefined if either is unknown.
 */
export function breachToCommandMs(
  decision: RollbackDecision,
  commands: readonly RoutingCommand[],
  wall: WallIndex,
  allowedLatenessMs: number,
): number | undefined {
  const issued = commands.filter((c) => c.decisionId === decision.decisionId).map((c) => c.issuedAt);
  const breach = wall.producedBy(decision.decidedAt + allowedLatenessMs);
  if (issued.length === 0 || breach === undefined) return undefined;
  return Math.min(...issued) - breach;
}
