/**
 * `backtrack decisions list`: rollback decisions on rollback.decisions.v1 with what reversion did.
 */
import type { Command } from 'commander';
import { listDecisions } from '../../ops/decisions.ts';
import type { CliIo } from '../cli-io.ts';
import { table, withCluster, writeJson } from '../io/cluster-command.ts';
import { iso, timeArg } from '../io/time-arg.ts';

export function registerDecisionsCommand(program: Command, io: CliIo): void {
  program
    .command('decisions')
    .description('Rollback decisions of the trigger engine')
    .command('list')
    .description(
      'List decisions (by record time) with their status: executed, pending_approval, approved, rejected…',
    )
    .option('--rollout <id>', 'only this rollout')
    .option('--since <time>', 'ISO time, epoch ms, or a duration ago (15m, 2h, 7d)', timeArg)
    .option('--until <time>', 'same forms as --since', timeArg)
    .option('--json', 'print JSON lines, one decision row each')
    .action(async (o: { rollout?: string; since?: number; until?: number; json?: boolean }, c: Command) => {
      const rows = await withCluster(c, io, (cluster) =>
        listDecisions(cluster, {
          ...(o.rollout === undefined ? {} : { rolloutId: o.rollout }),
          ...(o.since === undefined ? {} : { sinceMs: o.since }),
          ...(o.until === undefined ? {} : { untilMs: o.until }),
        }),
      );
      if (o.json) {
        for (const r of rows) writeJson(io, r);
        return;
      }
      io.stdout.write(
        table([
          ['DECISION', 'ROLLOUT', 'ACTION', 'MODE', 'STATUS', 'SCORE', 'TIERS', 'TENANTS', 'DECIDED'],
          ...rows.map((r) => [
            r.decision.decisionId,
            r.decision.rolloutId,
            r.decision.action,
            r.decision.dryRun ? 'dry_run' : r.decision.mode,
            r.status + (r.resolvedBy ? ` by ${r.resolvedBy}` : ''),
            r.decision.compositeScore.toFixed(2),
            r.decision.tiers.join(',') || '-',
            r.decision.tenantIds.length > 3
              ? `${r.decision.tenantIds.slice(0, 3).join(',')} +${r.decision.tenantIds.length - 3}`
              : r.decision.tenantIds.join(','),
            iso(r.decision.decidedAt),
          ]),
        ]),
      );
    });
}
