/**
 * The what-if diff as text (stderr of `backtrack replay --from/--to`).
 */
import type { DecisionDiff, DiffEntry } from '../../ops/decision-diff.ts';

const iso = (ms: number): string => new Date(ms).toISOString();
const line = (e: DiffEntry): string =>
  `    ${iso(e.decidedAt)}  ${e.rolloutId}  ${e.action.padEnd(16)} ${e.tenantId} (${e.mode})`;

export function formatDiff(d: DecisionDiff, maxLines = 50): string {
  const out = [
    `what-if: ${d.replayedDecisions} decisions with this policy vs ${d.recordedDecisions} recorded (${d.sameDecisionIds} identical ids); per rollout/action/tenant: ${d.both.length} same, ${d.onlyReplayed.length} only with this policy, ${d.onlyRecorded.length} only recorded`,
  ];
  const section = (title: string, entries: DiffEntry[]): void => {
    if (entries.length === 0) return;
    out.push(`  ${title}:`, ...entries.slice(0, maxLines).map(line));
    if (entries.length > maxLines) out.push(`    … ${entries.length - maxLines} more`);
  };
  section('would decide (not recorded)', d.onlyReplayed);
  section('recorded (would not decide)', d.onlyRecorded);
  const changed = d.both.filter((e) => e.modeChanged);
  if (changed.length > 0) section('same action, other mode', changed);
  return out.join('\n') + '\n';
}
