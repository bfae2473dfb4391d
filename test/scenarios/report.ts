/**
 * Text for the scenario suite: the summary table printed at the end, and the diagnosis of a failed
 * expectation (what the detector scored and why) for the engineer who owns the detection logic.
 */
import type { AlertScore, RollbackDecision } from '../../schemas/types.ts';
import type { ScenarioOutcome } from './run-scenario.ts';

const minutes = (ms: number | null): string => (ms === null ? '-' : `${(ms / 60_000).toFixed(1)} min`);
const f3 = (v: number): string => v.toFixed(3);

export interface ScenarioRow {
  outcome: ScenarioOutcome;
  affected: number;
  verdict: 'pass' | 'FAIL';
}

export function scenarioTable(rows: ScenarioRow[]): string {
  const header = [
    'scenario',
    'records',
    'pause/route/halt',
    'auto/approval',
    'routed back',
    'right',
    'wrong',
    'missed',
    'halt',
    'pre-onset',
    'onset→action',
    'ms',
    'result',
  ];
  const body = rows.map(({ outcome: o, affected, verdict }) => {
    const a = o.summary.decisions.byAction;
    const m = o.summary.decisions.byMode;
    return [
      o.name,
      String(o.records),
      `${a.pause_onboarding}/${a.route_back}/${a.halt_rollout}`,
      `${m.automatic}/${m.needs_approval}`,
      String(o.routedBack.length),
      `${o.routedBack.length - o.wrongTenants.length}/${affected}`,
      String(o.wrongTenants.length),
      String(o.missedTenants.length),
      o.halted ? 'yes' : 'no',
      String(o.preOnsetActions.length),
      minutes(o.firstActionDelayMs),
      String(Math.round(o.elapsedMs)),
      verdict,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join(
    '\n',
  );
}

function scoreLine(s: AlertScore): string {
  const top = [...s.evidence]
    .sort((a, b) => Math.abs(b.statistic) - Math.abs(a.statistic))
    .slice(0, 4)
    .map(
      (e) =>
        `${e.metric} ${f3(e.candidate)} vs ${f3(e.baseline)} (${e.statisticKind} ${f3(e.statistic)}, n=${e.samplesCandidate}/${e.samplesBaseline}, ${e.baselineSource})`,
    )
    .join('; ');
  return (
    `${s.tenantId} [${s.tenantTier}] @${new Date(s.windowEnd).toISOString()} ${s.verdict} composite ${f3(s.composite)} ` +
    `A ${f3(s.anomaly)} L ${f3(s.latency)} E ${f3(s.errors)} R ${f3(s.regression)} T ${f3(s.breadth)} cost ${f3(s.cost)} safety ${f3(s.safety)} ` +
    `baseline ${s.baselineSource}; ${top}`
  );
}

const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n) + '…' : s);

function decisionLine(d: RollbackDecision): string {
  const tenants =
    d.tenantIds.length > 8
      ? `${d.tenantIds.slice(0, 8).join(',')},… (${d.tenantIds.length})`
      : d.tenantIds.join(',');
  return `${new Date(d.decidedAt).toISOString()} ${d.action}/${d.mode} tenants=[${tenants}] composite ${f3(d.compositeScore)} breadth ${f3(d.breadth)} reasons: ${clip(d.reasons.join('; '), 600)}`;
}

/** What the detector did in a scenario, for a failure message. */
export function diagnose(o: ScenarioOutcome): string {
  const out = [`scenario ${o.name}: ${o.decisions.length} decisions`];
  for (const d of o.decisions.slice(0, 8)) out.push('  ' + decisionLine(d));
  if (o.decisions.length > 8) out.push(`  … ${o.decisions.length - 8} more`);
  if (o.wrongTenants.length > 0) {
    out.push('  wrongly acted on (latest score):');
    for (const t of o.wrongTenants.slice(0, 8)) {
      const s = o.lastScores.get(t);
      if (s) out.push('    ' + scoreLine(s));
    }
  }
  if (o.watched.length > 0) {
    out.push('  highest-composite scores of the affected tenants:');
    const best = new Map<string, AlertScore>();
    for (const s of o.watched)
      if ((best.get(s.tenantId)?.composite ?? -1) < s.composite) best.set(s.tenantId, s);
    for (const s of [...best.values()].sort((a, b) => b.composite - a.composite).slice(0, 8))
      out.push('    ' + scoreLine(s));
  }
  return out.join('\n');
}
