/**
 * Human-readable output of the rollout commands.
 */
import type { RolloutStatusView } from '../../ops/rollout-status.ts';
import { table } from '../io/cluster-command.ts';
import { iso } from '../io/time-arg.ts';
import type { IssueResult } from './issue-command.ts';

export function formatIssue(r: IssueResult): string {
  const lines = [
    `${r.action} ${r.rolloutId}: ${r.outcome}${r.message ? ` (${r.message})` : ''} [command ${r.commandId}]`,
  ];
  if (r.routed.length > 0)
    lines.push(
      `  ${r.routed.length} tenant(s) routed; all routing commands seen ${r.elapsedMs} ms after the command was sent`,
    );
  for (const t of r.refusedTenants) lines.push(`  refused ${t.tenantId}: ${t.reason}`);
  if (r.missing.length > 0) lines.push(`  not seen: ${r.missing.join(', ')}`);
  return lines.join('\n') + '\n';
}

export function formatStatus(s: RolloutStatusView): string {
  const head = [
    `rollout     ${s.rolloutId}`,
    `status      ${s.status}`,
    `strategy    ${s.strategy ?? '-'} ${s.candidatePercent ?? '-'}%`,
    `candidate   ${s.candidateBundleId ?? '-'}`,
    `baseline    ${s.baselineBundleId ?? '-'}`,
    `started     ${iso(s.startedAt)}; last event ${iso(s.lastEventAt)} (${s.auditEvents} audit events)`,
    `pending     ${s.pendingApprovals.length === 0 ? '-' : s.pendingApprovals.join(', ')}`,
  ].join('\n');
  const tenants = table([
    ['TENANT', 'TIER', 'STATE', 'STABLE', 'PERCENT', 'EPOCH', 'SINCE'],
    ...s.tenants.map((t) => [
      t.tenantId,
      t.tenantTier,
      t.state,
      t.stableBundleId,
      String(t.candidatePercent),
      String(t.epoch),
      iso(t.since),
    ]),
  ]);
  const refusals = s.refusals.map((r) => `  refused ${r.subjectId} at ${iso(r.at)}: ${r.message}`);
  return `${head}\n\n${tenants}${refusals.length > 0 ? `\nrefusals:\n${refusals.join('\n')}\n` : ''}`;
}
