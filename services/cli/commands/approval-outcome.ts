/**
 * Sends one Approval to rollback.approvals.v1 and, with `wait`, follows reversion's answer to it: the
 * `approval` audit event whose subjectId is the approval id. The audit tail starts before the send,
 * so nothing is missed.
 */
import { performance } from 'node:perf_hooks';
import type { Approval, AuditEvent } from '../../../schemas/types.ts';
import { tailTopic, type Tail } from '../../ops/tail-topic.ts';
import type { TopicRecord } from '../../ops/topic-reader.ts';
import type { Cluster } from '../io/cluster.ts';
import { settledWithin } from '../io/settled-within.ts';

export interface ApprovalResult {
  approval: Approval;
  /** `sent` without wait; else reversion's audited outcome (`executed`, `rejected`, `ignored`, `refused`) or `timeout` */
  outcome: string;
  /** why reversion ignored or refused it (e.g. "decision already executed"), or what timed out */
  why: string | null;
  /** executed: the tenants the approval routes back (its plan) and those its scope left out */
  routed: string[];
  outOfScope: string[];
  /** send → audit event read, ms; null without wait */
  elapsedMs: number | null;
}

interface ApprovalDetails {
  outcome?: string;
  why?: string;
  plan?: { tenants?: Array<{ tenantId: string }>; outOfScope?: string[] };
}

/** Sends `approval`; with `o.wait`, waits up to `o.timeoutMs` (ms) for reversion's outcome. */
export async function sendApproval(
  cluster: Cluster,
  approval: Approval,
  o: { wait: boolean; timeoutMs: number },
): Promise<ApprovalResult> {
  const result: ApprovalResult = {
    approval,
    outcome: 'sent',
    why: null,
    routed: [],
    outOfScope: [],
    elapsedMs: null,
  };
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const onAudit = ({ value: e }: TopicRecord<AuditEvent>): void => {
    if (e.kind !== 'approval' || e.subjectId !== approval.approvalId) return;
    const d = JSON.parse(e.details) as ApprovalDetails;
    result.outcome = d.outcome ?? 'unknown';
    result.why = d.why ?? null;
    result.routed = (d.plan?.tenants ?? []).map((t) => t.tenantId);
    result.outOfScope = d.plan?.outOfScope ?? [];
    settle();
  };
  const producer = await cluster.producer(['approvals']);
  let tail: Tail | undefined;
  try {
    if (o.wait) tail = await tailTopic(cluster, 'audit', onAudit);
    const sentAt = performance.now();
    await producer.send({
      topic: cluster.codec.bindings.approvals.name,
      acks: -1,
      messages: [{ key: approval.rolloutId, value: cluster.codec.encode('approvals', approval) }],
    });
    if (!o.wait) return result;
    if (!(await settledWithin(settled, o.timeoutMs))) {
      result.outcome = 'timeout';
      result.why = `no outcome from reversion in ${o.timeoutMs} ms (is it running?)`;
    }
    result.elapsedMs = Math.round(performance.now() - sentAt);
    return result;
  } finally {
    await tail?.stop();
  }
}

/** One line for a human: what reversion did with the approval. */
export function formatOutcome(r: ApprovalResult): string {
  switch (r.outcome) {
    case 'executed':
      return `reversion executed it: ${r.routed.length} tenant(s) routed back${r.routed.length > 0 ? ` (${r.routed.join(', ')})` : ''}${r.outOfScope.length > 0 ? `; outside the scope, left as they are: ${r.outOfScope.join(', ')}` : ''}\n`;
    case 'rejected':
      return 'reversion recorded the rejection: nothing routed\n';
    case 'ignored':
    case 'refused':
      return `reversion ${r.outcome} it: ${r.why ?? 'see the audit trail'}\n`;
    default:
      return `${r.outcome}: ${r.why ?? ''}\n`;
  }
}
