/**
 * Sends one rollout command to deploy.rollouts.v1 and, with `wait`, follows what reversion does with
 * it: the audit outcome of the command (applied or refused), and for the tenants in `expect` their
 * next routing command on deploy.routing.v1. Tails start before the send, so nothing is missed.
 */
import { performance } from 'node:perf_hooks';
import type { AuditEvent, RolloutCommand, RoutingCommand } from '../../../schemas/types.ts';
import type { Cluster } from '../io/cluster.ts';
import { tailTopic, type Tail } from '../../ops/tail-topic.ts';
import type { TopicRecord } from '../../ops/topic-reader.ts';
import { settledWithin } from '../io/settled-within.ts';

export interface IssueOptions {
  wait: boolean;
  /** ms */
  timeoutMs: number;
  /** tenant → its current epoch: wait for a routing command of the rollout with a higher one */
  expect?: ReadonlyMap<string, number>;
}

export interface RoutedTenant {
  tenantId: string;
  epoch: number;
  stableBundleId: string;
  /** ms from just before the send to this reader seeing the command */
  seenAfterMs: number;
  /** the record's Kafka timestamp minus the send's wall time, ms */
  writtenAfterMs: number;
}

export interface IssueResult {
  commandId: string;
  rolloutId: string;
  action: RolloutCommand['action'];
  /** `sent` without wait; else the audited outcome (`applied`, `noop`, `duplicate_ignored`, `refused`) or `timeout` */
  outcome: string;
  message: string | null;
  routed: RoutedTenant[];
  /** tenants whose revert reversion refused */
  refusedTenants: Array<{ tenantId: string; reason: string }>;
  /** tenants still waited for at a timeout */
  missing: string[];
  /** send → every expected routing command seen (or the outcome, when none expected), ms */
  elapsedMs: number | null;
}

export async function issueRolloutCommand(
  cluster: Cluster,
  cmd: RolloutCommand,
  o: IssueOptions,
): Promise<IssueResult> {
  const producer = await cluster.producer(['rollouts']);
  const result: IssueResult = {
    commandId: cmd.commandId,
    rolloutId: cmd.rolloutId,
    action: cmd.action,
    outcome: 'sent',
    message: null,
    routed: [],
    refusedTenants: [],
    missing: [],
    elapsedMs: null,
  };
  const tails: Tail[] = [];
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const expect = new Map(o.expect ?? []);
  let sentAt = 0;
  let sentWall = 0;
  let audited = false;
  const check = (): void => {
    if (audited && (result.outcome !== 'applied' || expect.size === 0)) settle();
  };
  const onAudit = ({ value: e }: TopicRecord<AuditEvent>): void => {
    if (e.subjectId !== cmd.commandId) return;
    const d = JSON.parse(e.details) as {
      outcome?: string;
      message?: string;
      refused?: Array<{ tenantId: string; reason: string }>;
    };
    if (e.kind === 'refused' && d.refused !== undefined) {
      result.refusedTenants.push(...d.refused);
      for (const r of d.refused) expect.delete(r.tenantId);
    } else if (e.kind === 'refused') {
      result.outcome = 'refused';
      result.message = d.message ?? null;
      audited = true;
    } else if (e.kind === 'rollout_command') {
      result.outcome = d.outcome ?? 'applied';
      audited = true;
    }
    check();
  };
  const onRouting = ({ value: c, timestamp }: TopicRecord<RoutingCommand>): void => {
    const before = expect.get(c.tenantId);
    if (before === undefined || c.rolloutId !== cmd.rolloutId || c.epoch <= before) return;
    expect.delete(c.tenantId);
    result.routed.push({
      tenantId: c.tenantId,
      epoch: c.epoch,
      stableBundleId: c.stable.bundleId,
      seenAfterMs: Math.round(performance.now() - sentAt),
      writtenAfterMs: timestamp - sentWall,
    });
    check();
  };
  try {
    if (o.wait) {
      tails.push(
        ...(await Promise.all([
          tailTopic(cluster, 'audit', onAudit),
          ...(expect.size > 0 ? [tailTopic(cluster, 'routing', onRouting)] : []),
        ])),
      );
    }
    sentWall = Date.now();
    sentAt = performance.now();
    await producer.send({
      topic: cluster.codec.bindings.rollouts.name,
      acks: -1,
      messages: [{ key: cmd.rolloutId, value: cluster.codec.encode('rollouts', cmd) }],
    });
    if (!o.wait) return result;
    const timedOut = !(await settledWithin(settled, o.timeoutMs));
    if (timedOut) {
      result.missing = [...expect.keys()].sort();
      result.message = audited
        ? `${result.outcome}, but ${result.missing.length} routing command(s) not seen in ${o.timeoutMs} ms`
        : `no outcome from reversion in ${o.timeoutMs} ms (is it running?)`;
      result.outcome = 'timeout';
    }
    result.elapsedMs = Math.round(performance.now() - sentAt);
    if (result.routed.length > 0 && !timedOut)
      result.elapsedMs = Math.max(...result.routed.map((r) => r.seenAfterMs));
    return result;
  } finally {
    await Promise.all(tails.map((t) => t.stop()));
  }
}
