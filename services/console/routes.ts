/**
 * The console's JSON API over the read model:
 *
 *   GET  /api/rollouts                    viewer    rollout summaries, newest first
 *   GET  /api/rollouts/:id                viewer    tenants, score series per tenant and tier, decisions, audit
 *   GET  /api/decisions[?pending=1]       viewer    decisions with evidence (pending: waiting for a human)
 *   POST /api/decisions/:id/approve       approver  body { reason?, tenantIds? | tiers? } → 202 Approval sent
 *   POST /api/decisions/:id/reject        approver  same body
 *   POST /api/rollouts/:id/abort          operator  body { reason } → 202 RolloutCommand sent
 *   GET  /api/status/:tenantId            public    the tenant's own status, nothing else
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { TokenEntry } from './auth.ts';
import {
  abortBody,
  abortCommand,
  answerBody,
  approvalRecord,
  decisionsQuery,
  idParam,
  scopeProblem,
  tenantParam,
} from './commands.ts';
import { HttpError, principalOf, requireRole } from './http-auth.ts';
import type { ConsoleMetrics } from './metrics.ts';
import type { CommandSink } from './publisher.ts';
import type { ReadModel } from './read-model.ts';
import {
  findDecision,
  listDecisions,
  listRollouts,
  rolloutDetail,
  tenantStatus,
} from './read-model-views.ts';

export interface RouteDeps {
  readonly model: ReadModel;
  readonly tokens: readonly TokenEntry[];
  readonly sink: CommandSink;
  readonly metrics: ConsoleMetrics;
  /** Wall clock, epoch ms (answeredAt / issuedAt). */
  readonly now?: () => number;
  readonly newId?: () => string;
}

/** Validates with zod; a failure is a 400 naming each bad field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const what = r.error.issues.map((i) =>
    i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message,
  );
  throw new HttpError(400, what.join('; '));
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { model, tokens, sink, metrics } = deps;
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const viewer = { preHandler: requireRole(tokens, 'viewer') };
  const approver = { preHandler: requireRole(tokens, 'approver') };
  const operator = { preHandler: requireRole(tokens, 'operator') };

  app.get('/api/rollouts', viewer, async () => ({ rollouts: listRollouts(model) }));

  app.get('/api/rollouts/:id', viewer, async (request) => {
    const { id } = parse(idParam, request.params);
    const detail = rolloutDetail(model, id);
    if (detail === undefined) throw new HttpError(404, `unknown rollout ${id}`);
    return detail;
  });

  app.get('/api/decisions', viewer, async (request) => {
    const q = parse(decisionsQuery, request.query);
    return { decisions: listDecisions(model, { pending: q.pending === '1' || q.pending === 'true' }) };
  });

  for (const verdict of ['approve', 'reject'] as const) {
    app.post(`/api/decisions/:id/${verdict}`, approver, async (request, reply) => {
      const { id } = parse(idParam, request.params);
      const body = parse(answerBody, request.body);
      const d = findDecision(model, id);
      if (d === undefined) throw new HttpError(404, `unknown decision ${id}`);
      if (d.status !== 'pending_approval')
        throw new HttpError(409, `decision ${id} is ${d.status}, not pending approval`);
      const problem = scopeProblem(d, body);
      if (problem !== undefined) throw new HttpError(400, problem);
      const approval = approvalRecord(d, verdict, body, principalOf(request), `console-${newId()}`, now());
      await sink.sendApproval(approval);
      metrics.actions.inc({ kind: verdict });
      request.log.info({ decisionId: id, verdict, actor: approval.actor }, 'approval sent');
      return reply.status(202).send({ approval });
    });
  }

  app.post('/api/rollouts/:id/abort', operator, async (request, reply) => {
    const { id } = parse(idParam, request.params);
    const body = parse(abortBody, request.body);
    const rollout = model.rollouts.get(id);
    if (rollout === undefined) throw new HttpError(404, `unknown rollout ${id}`);
    if (rollout.status === 'aborted' || rollout.status === 'promoted')
      throw new HttpError(409, `rollout ${id} is already ${rollout.status}`);
    const command = abortCommand(id, body, principalOf(request), `console-${newId()}`, now());
    await sink.sendRolloutCommand(command);
    metrics.actions.inc({ kind: 'abort' });
    request.log.info({ rolloutId: id, actor: command.actor }, 'abort sent');
    return reply.status(202).send({ command });
  });

  app.get('/api/status/:tenantId', async (request) => {
    const { tenantId } = parse(tenantParam, request.params);
    return tenantStatus(model, tenantId);
  });
}
