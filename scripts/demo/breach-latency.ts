/**
 * Breach → routing command time of the demo's automatic decisions, wall ms. The breach is the moment
 * the breaching window could close: when the broker acknowledged the first event of the event-time
 * second holding its end plus the allowed lateness. The command is the earliest `issuedAt` of the
 * routing commands naming the decision.
 */
import type { RollbackDecision, RoutingCommand } from '../../schemas/types.ts';

export interface WallLookup {
  /** Wall ms (epoch) of the first and last acknowledgement of the events of the second holding `eventMs`. */
  at(eventMs: number): { readonly first: number; readonly last: number } | undefined;
}

export interface DecisionLatency {
  readonly decisionId: string;
  readonly tenants: number;
  /** wall ms */
  readonly ms: number;
}

export function breachToCommand(
  decisions: readonly RollbackDecision[],
  commands: readonly RoutingCommand[],
  wall: WallLookup,
  allowedLatenessMs: number,
): DecisionLatency[] {
  return decisions
    .filter((d) => d.action !== 'pause_onboarding' && d.mode === 'automatic')
    .flatMap((d) => {
      const issued = commands.filter((c) => c.decisionId === d.decisionId).map((c) => c.issuedAt);
      const breach = wall.at(d.decidedAt + allowedLatenessMs)?.first;
      if (issued.length === 0 || breach === undefined) return [];
      return [{ decisionId: d.decisionId, tenants: d.tenantIds.length, ms: Math.min(...issued) - breach }];
    });
}

/** `n=3: 1 210 / 1 800 / 2 400 ms (min / median / max)`, or a note when nothing was measured. */
export function formatLatencies(latencies: readonly DecisionLatency[]): string {
  if (latencies.length === 0) return 'not measured (no automatic decision with a routing command)';
  const ms = latencies.map((l) => l.ms).sort((a, b) => a - b);
  const median = ms[Math.floor((ms.length - 1) / 2)] ?? 0;
  return `${ms[0]} / ${median} / ${ms[ms.length - 1]} ms (min / median / max of ${ms.length} decisions)`;
}
