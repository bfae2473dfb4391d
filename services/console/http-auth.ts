/**
 * Fastify pre-handlers enforcing the bearer-token roles: 401 (with `WWW-Authenticate: Bearer`)
 * without a valid token, 403 when the token's role is below the route's. The principal of an
 * authorized request is read back with `principalOf`.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { authenticate, hasRole, type Principal, type Role, type TokenEntry } from './auth.ts';

const principals = new WeakMap<FastifyRequest, Principal>();

/** An HTTP error with a status code; the app's error handler answers `{ error: message }`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function requireRole(tokens: readonly TokenEntry[], role: Role): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const who = authenticate(tokens, request.headers.authorization);
    if (who === undefined) {
      void reply.header('www-authenticate', 'Bearer realm="backtrack"');
      throw new HttpError(401, 'missing or invalid bearer token');
    }
    if (!hasRole(who.role, role))
      throw new HttpError(403, `requires role ${role}; ${who.name} is ${who.role}`);
    principals.set(request, who);
  };
}

/** The principal `requireRole` admitted; throws on a route without it (a programming error). */
export function principalOf(request: FastifyRequest): Principal {
  const who = principals.get(request);
  if (who === undefined) throw new Error(`no principal on ${request.method} ${request.url}`);
  return who;
}
