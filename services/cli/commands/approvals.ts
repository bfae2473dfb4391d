/**
 * `backtrack approve|reject <decisionId>`: a human's answer to a needs_approval decision, as an
 * Approval on rollback.approvals.v1 (reversion executes it), optionally scoped to tiers or tenants.
 */
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import type { Approval } from '../../../schemas/types.ts';
import { findDecision } from '../../ops/decisions.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError, NotFoundError, UsageError } from '../errors.ts';
import { actorOf, withCluster, writeJson } from '../io/cluster-command.ts';

interface ApprovalOpts {
  tier?: string[];
  tenants?: string[];
  actor?: string;
  reason?: string;
  json?: boolean;
}

const listArg = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];

async function answer(
  verdict: Approval['verdict'],
  decisionId: string,
  o: ApprovalOpts,
  io: CliIo,
  c: Command,
): Promise<void> {
  await withCluster(c, io, async (cluster) => {
    const d = await findDecision(cluster, decisionId);
    if (d === undefined) throw new NotFoundError(`decision ${decisionId} is not on the decisions topic`);
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
    const producer = await cluster.producer(['approvals']);
    await producer.send({
      topic: cluster.codec.bindings.approvals.name,
      acks: -1,
      messages: [{ key: d.rolloutId, value: cluster.codec.encode('approvals', approval) }],
    });
    if (o.json) writeJson(io, approval);
    else {
      const scope =
        tiers.length + tenants.length === 0
          ? 'the whole decision'
          : [...tiers.map((t) => `tier ${t}`), ...tenants].join(', ');
      io.stdout.write(
        `${verdict === 'approve' ? 'approved' : 'rejected'} ${d.action} ${decisionId} on rollout ${d.rolloutId} for ${scope} [${approval.approvalId}]\n`,
      );
    }
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
      .option('--json', 'print the approval record as JSON')
      .action((decisionId: string, o: ApprovalOpts, c: Command) => answer(verdict, decisionId, o, io, c));
}
