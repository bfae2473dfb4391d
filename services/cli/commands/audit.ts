/**
 * `backtrack audit timeline|verify`: the hash-chained audit trail written by reversion.
 */
import type { Command } from 'commander';
import { auditTimeline, verifyAudit } from '../../ops/audit.ts';
import type { CliIo } from '../cli-io.ts';
import { NotFoundError, VerifyFailedError } from '../errors.ts';
import { withCluster, writeJson } from '../io/cluster-command.ts';
import { iso } from '../io/time-arg.ts';

export function registerAuditCommand(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('Read and verify the append-only audit trail');
  audit
    .command('timeline')
    .description("A rollout's audit events in chain order")
    .requiredOption('--rollout <id>', 'rollout id (tenant:<id> for routing outside rollouts)')
    .option('--json', 'print JSON lines, one event each (details parsed)')
    .action(async (o: { rollout: string; json?: boolean }, c: Command) => {
      const entries = await withCluster(c, io, (cluster) => auditTimeline(cluster, o.rollout));
      if (entries.length === 0) throw new NotFoundError(`no audit events for rollout ${o.rollout}`);
      for (const { event: e, details } of entries) {
        if (o.json) writeJson(io, { ...e, details });
        else
          io.stdout.write(
            `${String(e.seq).padStart(4)}  ${iso(e.at)}  ${e.kind.padEnd(17)} ${e.actor.padEnd(12)} ${e.subjectId}${e.tenantIds.length > 0 ? ` [${e.tenantIds.join(',')}]` : ''}  ${e.details}\n`,
          );
      }
    });
  audit
    .command('verify')
    .description('Recompute every hash chain (as reversion builds it); exit 4 naming the first broken link')
    .option('--rollout <id>', 'only this rollout')
    .option('--json', 'print the verification as JSON')
    .action(async (o: { rollout?: string; json?: boolean }, c: Command) => {
      const v = await withCluster(c, io, (cluster) => verifyAudit(cluster, o.rollout));
      if (o.json) writeJson(io, v);
      if (o.rollout !== undefined && v.events === 0)
        throw new NotFoundError(`no audit events for rollout ${o.rollout}`);
      if (!v.ok) {
        const b = v.broken;
        throw new VerifyFailedError(
          `audit chain broken: rollout ${b.rolloutId} at seq ${b.seq} (partition ${b.partition ?? '?'}, offset ${b.offset ?? '?'}): ${b.reason}`,
        );
      }
      if (!o.json) io.stdout.write(`audit ok: ${v.events} events in ${v.rollouts} chain(s) verified\n`);
    });
}
