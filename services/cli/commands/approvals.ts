/**
 * `backtrack approve|reject <decisionId>`: a human's answer to a needs_approval decision, as an
 * Approval on rollback.approvals.v1 (reversion executes it), optionally scoped to tiers or tenants.
 * A decision is settled by its first answer (even a scoped one); a decision the audit trail already
 * shows settled is refused here (exit 1). With `--wait`, prints reversion's audited outcome and exits 1
 * unless it executed or rejected the decision as asked.
 */
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import type { Approval } from '../../../schemas/types.ts';
import { findDecisionRow } from '../../ops/decisions.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError, NotFoundError, UsageError } from '../errors.ts';
import { actorOf, withCluster, writeJson } from '../io/cluster-command.ts';
import { formatOutcome, sendApproval } from './approval-outcome.ts';
import { listArg, msArg } from '../io/option-args.ts';

interface ApprovalOpts {
  tier?: string[];
  tenants?: string[];
  actor?: string;
  reason?: string;
  json?: boolean;
  wait?: boolean;
  timeout: number;
}

async function answer(
  verdict: Approval['verdict'],
  decisionId: string,
  o: ApprovalOpts,
  io: CliIo,
  c: Command,
): Promise<void> {
  await withCluster(c, io, async (cluster) => {
    const row = await findDecisionRow(cluster, decisionId);
    if (row === undefined) throw new NotFoundError(`decision ${decisionId} is not on the decisions topic`);
    const d = row.decision;
    if (d.mode !== 'needs_approval' || d.dryRun)
      throw new CliError(
        `decision ${decisionId} is ${d.dryRun ? 'a dry run' : d.mode}; only needs_approval decisions take an answer`,
        false,
      );
    const tiers = o.tier ?? [];
    const tenants = o.tenants ?? [];
    const outsideTiers = tiers.filter((t) => !d.tiers.includes(t));
    if (d.tiers.length > 0 && outsideTiers.length > 0)
      throw new UsageError(
        `tier(s) ${outsideTiers.join(', ')} not in the decision (tiers: ${d.tiers.join(', ')})`,
      );
    const outside = tenants.filter((t) => !d.tenantIds.includes(t));
    if (outside.length > 0)
      throw new UsageError(
        `tenant(s) ${outside.join(', ')} not in the decision (tenants: ${d.tenantIds.join(', ')})`,
      );
    if (row.status === 'unprocessed')
      throw new CliError(
        `decision ${decisionId} is not audited by reversion yet, an answer now would be ignored; retry shortly`,
        true,
      );
    if (row.status !== 'pending_approval')
      throw new CliError(
        `decision ${decisionId} is no longer pending: ${row.status}${row.resolvedBy === null ? '' : ` by ${row.resolvedBy}`}; an answer now would be ignored`,
        false,
      );
    const approval: Approval = {
      approvalId: `${decisionId}:${verdict}:${randomUUID()}`,
      decisionId,
      rolloutId: d.rolloutId,
      verdict,
      tenantIds: tenants,
      tiers,
      actor: actorOf(o.actor, io),
      reason: o.reason ?? '',
      answeredAt: Date.now(),
    };
    const r = await sendApproval(cluster, approval, { wait: o.wait === true, timeoutMs: o.timeout });
    if (o.json) writeJson(io, o.wait ? r : approval);
    else {
      const scope =
        tiers.length + tenants.length === 0
          ? 'the whole decision'
          : [...tiers.map((t) => `tier ${t}`), ...tenants].join(', ');
      io.stdout.write(
        `${verdict === 'approve' ? 'approved' : 'rejected'} ${d.action} ${decisionId} on rollout ${d.rolloutId} for ${scope} [${approval.approvalId}]\n`,
      );
      if (o.wait) io.stdout.write(formatOutcome(r));
    }
    if (r.outcome === 'timeout')
      throw new CliError(`${verdict} ${decisionId}: ${r.why ?? 'timed out'}`, true);
    if (r.outcome === 'ignored' || r.outcome === 'refused')
      throw new CliError(
        `${verdict} ${decisionId}: ${r.outcome} by reversion: ${r.why ?? 'see the audit trail'}`,
        false,
      );
  });
}

export function registerApprovalCommands(program: Command, io: CliIo): void {
  for (const verdict of ['approve', 'reject'] as const)
    program
      .command(verdict)
      .description(
        `${verdict === 'approve' ? 'Approve (execute)' : 'Reject'} a decision that needs approval, optionally for some tiers or tenants only`,
      )
      .argument('<decisionId>')
      .option('--tier <tiers>', 'limit to these tiers (comma-separated or repeated)', listArg)
      .option('--tenants <list>', 'limit to these tenants (comma-separated)', listArg)
      .requiredOption('--actor <name>', 'who answers (recorded in the audit trail)')
      .option('--reason <text>', 'why')
      .option(
        '--wait',
        "wait for reversion's outcome (executed, rejected, ignored, refused); exit 1 unless executed or rejected",
      )
      .option('--timeout <ms>', 'with --wait: give up after this long', msArg, 30_000)
      .option('--json', 'print the approval record (with --wait: the outcome) as JSON')
      .action((decisionId: string, o: ApprovalOpts, c: Command) => answer(verdict, decisionId, o, io, c));
}
