/**
 * The console's HTTP server (fastify): the JSON API (routes.ts), live updates (live-events.ts), the
 * static dashboard (public/, with uPlot served from node_modules at /vendor/uplot/), /metrics and
 * /healthz (503 until the read model has caught up). Every error is JSON `{ error: message }`; a
 * 5xx never shows its cause to the client (it is logged). Requests are counted in /metrics, not logged.
 * `close()` destroys open connections (live streams, keep-alive) so a shutdown does not wait for
 * browsers.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { registerLiveEvents, type LiveEventDeps } from './live-events.ts';
import { registerRoutes, type RouteDeps } from './routes.ts';

export interface ConsoleAppDeps extends RouteDeps, Omit<LiveEventDeps, 'metrics' | 'model' | 'tokens'> {
  readonly logger: Logger;
  readonly registry: Metrics;
  /** Whether the read model has caught up with the topics (for /healthz). */
  readonly isReady: () => boolean;
}

const publicDir = join(dirname(fileURLToPath(import.meta.url)), 'public');
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));

const pageHeaders = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export async function buildConsoleApp(deps: ConsoleAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    bodyLimit: 65_536,
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: `no route ${request.method} ${request.url}` }),
  );
  app.addHook('onSend', async (_request, reply) => {
    void reply.headers(pageHeaders);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    deps.metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
  });

  registerRoutes(app, deps);
  registerLiveEvents(app, { ...deps, metrics: deps.metrics, model: deps.model, tokens: deps.tokens });
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.registry.registry.contentType).send(await deps.registry.registry.metrics()),
  );
  app.get('/healthz', async (_request, reply) =>
    deps.isReady() ? reply.type('text/plain').send('ok\n') : reply.status(503).send({ error: 'catching up' }),
  );
  await app.register(fastifyStatic, { root: publicDir, prefix: '/', index: 'index.html' });
  await app.register(fastifyStatic, {
    root: uplotDir,
    prefix: '/vendor/uplot/',
    decorateReply: false,
    allowedPath: (path) => /^\/uPlot\.(esm\.js|min\.css)$/.test(path),
  });
  return app;
}
