/**
 * GET /api/events (viewer): a Server-Sent Events stream telling the page that the model changed —
 * `event: change` with `{ version, rollouts }` (the rollout ids touched), at most one every
 * `throttleMs` — so the page re-fetches what it shows. It carries no data itself. The page reads it
 * with fetch (EventSource cannot send the Authorization header). A comment line every 15 s keeps
 * proxies from closing an idle stream.
 */
import type { FastifyInstance } from 'fastify';
import type { TokenEntry } from './auth.ts';
import type { FeedListener } from './feed.ts';
import { requireRole } from './http-auth.ts';
import type { ConsoleMetrics } from './metrics.ts';
import type { ReadModel } from './read-model.ts';

export interface LiveEventDeps {
  readonly model: ReadModel;
  readonly tokens: readonly TokenEntry[];
  readonly metrics: ConsoleMetrics;
  readonly onChange: (listener: FeedListener) => () => void;
  /** ms between change events of one stream (default 250). */
  readonly throttleMs?: number;
}

export function registerLiveEvents(app: FastifyInstance, deps: LiveEventDeps): void {
  const throttleMs = deps.throttleMs ?? 250;
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });
  app.get('/api/events', { preHandler: requireRole(deps.tokens, 'viewer') }, (_request, reply) => {
    void reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ version: deps.model.version })}\n\n`);
    const pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      const data = { version: deps.model.version, rollouts: [...pending] };
      pending.clear();
      res.write(`event: change\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const unsubscribe = deps.onChange((touched) => {
      for (const id of touched) if (id !== null) pending.add(id);
      timer ??= setTimeout(flush, throttleMs);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    deps.metrics.sseClients.inc();
    const end = (): void => {
      if (!streams.delete(end)) return;
      unsubscribe();
      clearInterval(keepAlive);
      clearTimeout(timer);
      deps.metrics.sseClients.dec();
      res.end();
    };
    streams.add(end);
    res.on('close', end);
  });
}
