/**
 * `backtrack rollouts start|status|advance|promote|abort|pause|resume`: operator commands on
 * deploy.rollouts.v1, executed by reversion (the only writer of routing). `--wait` follows the
 * outcome; `abort --wait` waits until every affected tenant's routing command is on the routing topic.
 */
import { Command, Option } from 'commander';
import type { RolloutCommand } from '../../../schemas/types.ts';
import { readBundles } from '../../ops/bundles.ts';
import { readRoutingTable } from '../../ops/routing-history.ts';
import { rolloutStatus } from '../../ops/rollout-status.ts';
import { selectTenants } from '../../ops/select-tenants.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError, NotFoundError, UsageError } from '../errors.ts';
import type { Cluster } from '../io/cluster.ts';
import { withCluster, writeJson } from '../io/cluster-command.ts';
import { formatIssue, formatStatus } from '../rollouts/format.ts';
import { issueRolloutCommand } from '../rollouts/issue-command.ts';
import {
  rolloutCommand,
  STRATEGY,
  withCommon,
  withScope,
  type CommonOpts,
  type ScopeOpts,
} from '../rollouts/options.ts';

async function issue(
  cluster: Cluster,
  io: CliIo,
  cmd: RolloutCommand,
  o: CommonOpts,
  expect?: Map<string, number>,
): Promise<void> {
  const r = await issueRolloutCommand(cluster, cmd, {
    wait: o.wait === true,
    timeoutMs: o.timeout,
    ...(expect ? { expect } : {}),
  });
  if (o.json) writeJson(io, r);
  else io.stdout.write(formatIssue(r));
  if (r.outcome === 'refused')
    throw new CliError(`${cmd.action} refused: ${r.message ?? 'see the audit trail'}`, false);
  if (r.outcome === 'timeout') throw new CliError(`${cmd.action}: ${r.message ?? 'timed out'}`, true);
}

async function startAction(
  o: CommonOpts & ScopeOpts & { rollout: string; candidate: string; baseline: string; strategy: string },
  io: CliIo,
  c: Command,
): Promise<void> {
  if ((o.tenants ?? []).length === 0 && (o.tiers ?? []).length === 0)
    c.error('error: give --tenants or --tiers', { exitCode: 2 });
  await withCluster(c, io, async (cluster) => {
    const [routing, bundles] = await Promise.all([readRoutingTable(cluster), readBundles(cluster)]);
    for (const id of [o.candidate, o.baseline])
      if (!bundles.some((b) => b.bundleId === id)) throw new NotFoundError(`bundle ${id} is not registered`);
    const picked = selectTenants(routing, {
      tenants: o.tenants ?? [],
      tiers: o.tiers ?? [],
      baselineBundleId: o.baseline,
    });
    if (!picked.ok) throw new UsageError(picked.problem);
    const cmd = rolloutCommand(o.rollout, 'start', o, io, {
      strategy: STRATEGY[o.strategy] ?? null,
      candidateBundleId: o.candidate,
      baselineBundleId: o.baseline,
      tenants: picked.tenants,
      canaryPercent: o.percent ?? null,
    });
    await issue(cluster, io, cmd, o);
  });
}

async function advanceAction(
  rolloutId: string,
  o: CommonOpts & ScopeOpts,
  io: CliIo,
  c: Command,
): Promise<void> {
  if (o.percent === undefined && (o.tenants ?? []).length === 0 && (o.tiers ?? []).length === 0)
    c.error('error: give --percent, --tenants or --tiers', { exitCode: 2 });
  await withCluster(c, io, async (cluster) => {
    const [status, routing] = await Promise.all([
      rolloutStatus(cluster, rolloutId),
      readRoutingTable(cluster),
    ]);
    if (status === undefined)
      throw new NotFoundError(`rollout ${rolloutId} has no audit trail (never started?)`);
    const picked = selectTenants(routing, {
      tenants: o.tenants ?? [],
      tiers: o.tiers ?? [],
      baselineBundleId: status.baselineBundleId,
    });
    if (!picked.ok) throw new UsageError(picked.problem);
    await issue(
      cluster,
      io,
      rolloutCommand(rolloutId, 'advance', o, io, {
        tenants: picked.tenants,
        canaryPercent: o.percent ?? null,
      }),
      o,
    );
  });
}

async function simpleAction(
  action: 'promote' | 'abort' | 'pause' | 'resume',
  rolloutId: string,
  o: CommonOpts,
  io: CliIo,
  c: Command,
): Promise<void> {
  await withCluster(c, io, async (cluster) => {
    let expect: Map<string, number> | undefined;
    if (action === 'abort' && o.wait) {
      const routing = await readRoutingTable(cluster);
      expect = new Map(
        [...routing.values()]
          .filter((r) => r.rolloutId === rolloutId && r.candidate !== null)
          .map((r) => [r.tenantId, r.epoch]),
      );
    }
    await issue(cluster, io, rolloutCommand(rolloutId, action, o, io), o, expect);
  });
}

const SIMPLE = {
  promote: 'Make the candidate the stable bundle of every tenant still on it',
  abort:
    'Manual rollback: every tenant still on the candidate back to the baseline in one step (--wait: until every routing command is written, with the elapsed ms)',
  pause: 'Pause the rollout (no advance until resumed)',
  resume: 'Resume a paused rollout (and onboarding paused by the trigger)',
} as const;

export function registerRolloutsCommand(program: Command, io: CliIo): void {
  const rollouts = program
    .command('rollouts')
    .description('Start, follow and steer rollouts (executed by reversion)');
  withCommon(
    withScope(
      rollouts
        .command('start')
        .description('Start a rollout of a candidate bundle for some tenants')
        .requiredOption('--rollout <id>', 'rollout id (new)')
        .requiredOption('--candidate <bundleId>', 'the bundle to roll out')
        .requiredOption('--baseline <bundleId>', 'the stable bundle, also the revert target')
        .addOption(
          new Option('--strategy <s>', 'rollout strategy').choices(Object.keys(STRATEGY)).default('canary'),
        ),
    ),
  )
    .addHelpText(
      'after',
      '\nExample:\n  backtrack rollouts start --rollout r-42 --candidate b-… --baseline b-… --strategy canary --percent 10 --tiers free,pro --wait\n',
    )
    .action((o, c: Command) => startAction(o, io, c));
  rollouts
    .command('status')
    .description('Status of a rollout: bundles, share, tenants and their routing, pending approvals')
    .argument('<rollout>')
    .option('--json', 'print the status as JSON')
    .action(async (rolloutId: string, o: { json?: boolean }, c: Command) => {
      const s = await withCluster(c, io, (cluster) => rolloutStatus(cluster, rolloutId));
      if (s === undefined)
        throw new NotFoundError(`rollout ${rolloutId} has no audit trail (never started?)`);
      if (o.json) writeJson(io, s);
      else io.stdout.write(formatStatus(s));
    });
  withCommon(
    withScope(
      rollouts
        .command('advance')
        .description('Move the share and/or onboard more tenants')
        .argument('<rollout>'),
    ),
  ).action((rolloutId: string, o, c: Command) => advanceAction(rolloutId, o, io, c));
  for (const [action, description] of Object.entries(SIMPLE) as Array<[keyof typeof SIMPLE, string]>)
    withCommon(rollouts.command(action).description(description).argument('<rollout>')).action(
      (rolloutId: string, o: CommonOpts, c: Command) => simpleAction(action, rolloutId, o, io, c),
    );
}
