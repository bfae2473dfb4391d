/**
 * The human-readable replay summary written to stderr.
 */
import type { ReplaySummary } from '../../detect/replay/replay-summary.ts';

const n = (v: number): string => v.toLocaleString('en-US');
const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h ${String(m).padStart(2, '0')}m ${String(s % 60).padStart(2, '0')}s`;
}

/** Multi-line text; `elapsedMs` is the wall time of the run. */
export function formatSummary(s: ReplaySummary, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round((s.records / elapsedMs) * 1000) : 0;
  const d = s.decisions;
  const lines = [
    `replay: ${n(s.records)} records (${n(s.telemetry)} telemetry, ${n(s.evals)} eval, ${n(s.rolloutCommands)} rollout) in ${(elapsedMs / 1000).toFixed(2)} s, ${n(rate)} records/s`,
    `  invalid ${n(s.invalid)}, duplicates ${n(s.duplicates)}, late ${n(s.late)}, future ${n(s.future)}`,
    `  event time ${iso(s.eventTime.fromMs)} .. ${iso(s.eventTime.toMs)} (${duration(s.eventTime.spanMs)})`,
    `  snapshots ${n(s.snapshots)}, scores ${n(s.scores)}, rollouts ${s.rollouts.join(', ') || '-'}`,
    `  decisions ${n(d.total)}: pause_onboarding ${d.byAction.pause_onboarding}, route_back ${d.byAction.route_back}, halt_rollout ${d.byAction.halt_rollout} (automatic ${d.byMode.automatic}, needs_approval ${d.byMode.needs_approval})`,
  ];
  if (s.tenants.length > 0) {
    lines.push('  tenants with decisions:');
    for (const t of s.tenants) {
      const acts = (['pause_onboarding', 'route_back', 'halt_rollout'] as const)
        .filter((a) => t[a] > 0)
        .map((a) => `${a} ${t[a]}`)
        .join(', ');
      lines.push(
        `    ${t.tenantId.padEnd(16)} ${t.tier.padEnd(11)} ${acts}; first at ${iso(t.firstDecidedAt)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
