/**
 * The options shared by the rollout commands and the record they build.
 */
import { Command, InvalidArgumentError } from 'commander';
import { randomUUID } from 'node:crypto';
import type { RolloutCommand, RolloutStrategy } from '../../../schemas/types.ts';
import type { CliIo } from '../cli-io.ts';
import { actorOf } from '../io/cluster-command.ts';
import { listArg, msArg } from '../io/option-args.ts';

export interface CommonOpts {
  actor?: string;
  reason?: string;
  commandId?: string;
  wait?: boolean;
  timeout: number;
  json?: boolean;
}
export interface ScopeOpts {
  percent?: number;
  tenants?: string[];
  tiers?: string[];
}

export const STRATEGY: Record<string, RolloutStrategy> = {
  canary: 'canary',
  shadow: 'shadow',
  'blue-green': 'blue_green',
};

const percentArg = (v: string): number => {
  const n = Number(v);
  if (!(n > 0 && n <= 100)) throw new InvalidArgumentError('expected a percentage in (0, 100]');
  return n;
};
export function withCommon(c: Command): Command {
  return c
    .option('--actor <name>', 'who issues it (default $BACKTRACK_ACTOR or $USER)')
    .option('--reason <text>', 'why, recorded in the audit trail')
    .option('--command-id <id>', 'idempotency key; a retried command with the same id is applied once')
    .option('--wait', 'wait for reversion to apply (or refuse) the command')
    .option('--timeout <ms>', 'with --wait: give up after this long', msArg, 30_000)
    .option('--json', 'print the result as JSON');
}

export function withScope(c: Command): Command {
  return c
    .option('--percent <n>', "share of each tenant's traffic on the candidate, (0, 100]", percentArg)
    .option(
      '--tenants <list>',
      'tenants, comma-separated, each `id` or `id:tier` (tier looked up in the routing table if omitted)',
      listArg,
    )
    .option('--tiers <list>', 'every tenant of these tiers now on the baseline without a candidate', listArg);
}

export function rolloutCommand(
  rolloutId: string,
  action: RolloutCommand['action'],
  o: CommonOpts,
  io: CliIo,
  extra: Partial<RolloutCommand> = {},
): RolloutCommand {
  return {
    commandId: o.commandId ?? `${rolloutId}:${action}:${randomUUID()}`,
    rolloutId,
    action,
    strategy: null,
    candidateBundleId: null,
    baselineBundleId: null,
    tenants: [],
    canaryPercent: null,
    actor: actorOf(o.actor, io),
    reason: o.reason ?? '',
    issuedAt: Date.now(),
    ...extra,
  };
}
