/**
 * `backtrack who-served --tenant X --at T`: the exact bundle(s) that served a tenant at a time.
 */
import type { Command } from 'commander';
import { whoServed, type ServedBundle } from '../../ops/who-served.ts';
import type { CliIo } from '../cli-io.ts';
import { NotFoundError } from '../errors.ts';
import { withCluster, writeJson } from '../io/cluster-command.ts';
import { iso, timeArg } from '../io/time-arg.ts';

const bundleLines = (label: string, b: ServedBundle | null): string[] =>
  b === null
    ? [`${label}: -`]
    : [
        `${label}: ${b.bundleId}`,
        `  model         ${b.modelId} (${b.modelVersionHash})`,
        `  prompt        ${b.promptTemplateVersion} (${b.promptTemplateHash})`,
        `  config        ${b.config}`,
        `  tool schema   ${b.toolSchemaVersion}`,
        `  state version ${b.stateVersion}`,
      ];

export function registerWhoServedCommand(program: Command, io: CliIo): void {
  program
    .command('who-served')
    .description(
      'Which bundle served a tenant at a time, from the routing history (and the audit trail when compacted)',
    )
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--at <time>', 'ISO time, epoch ms, or a duration ago (15m, 2h)', timeArg)
    .option('--json', 'print the answer as JSON')
    .action(async (o: { tenant: string; at: number; json?: boolean }, c: Command) => {
      const a = await withCluster(c, io, (cluster) => whoServed(cluster, o.tenant, o.at));
      if (o.json) writeJson(io, a);
      if (!a.found) throw new NotFoundError(a.reason);
      if (o.json) return;
      const share =
        a.candidate === null
          ? 'all traffic on stable'
          : a.candidateArm === 'shadow'
            ? `stable serves all; ${a.candidatePercent}% mirrored to the candidate (shadow, not served)`
            : `${100 - a.candidatePercent}% stable, ${a.candidatePercent}% candidate`;
      io.stdout.write(
        [
          `tenant ${a.tenantId} (${a.tenantTier ?? 'tier unknown'}) at ${iso(a.atMs)}: routing epoch ${a.epoch}, in effect ${iso(a.sinceMs)} .. ${a.untilMs === null ? 'now' : iso(a.untilMs)}`,
          `rollout ${a.rolloutId ?? '-'}; ${share}; reason: ${a.reason}${a.decisionId ? ` (decision ${a.decisionId})` : ''}`,
          ...bundleLines('stable', a.stable),
          ...(a.candidate === null ? [] : bundleLines('candidate', a.candidate)),
        ].join('\n') + '\n',
      );
    });
}
