/**
 * Bearer-token authentication of the console. Tokens come from BACKTRACK_CONSOLE_TOKENS, either
 * `name:role:token,name:role:token` or a JSON array of `{ "name", "role", "token" }`; roles are
 * ordered viewer < operator < approver. Only SHA-256 hashes of the tokens are kept, and a presented
 * token is compared with every one of them by `timingSafeEqual`, so neither the match nor its
 * position shows in the response time. The name is the actor recorded in approvals and commands.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const roles = ['viewer', 'operator', 'approver'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  /** Who acts: recorded as `actor` on approvals and rollout commands. */
  readonly name: string;
  readonly role: Role;
}

export interface TokenEntry extends Principal {
  /** SHA-256 of the token. */
  readonly hash: Buffer;
}

/** Shortest token accepted, characters. */
export const MIN_TOKEN_LENGTH = 16;

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

const entrySchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'name: 1..64 of A-Z a-z 0-9 . _ @ -'),
  role: z.enum(roles),
  token: z.string().min(MIN_TOKEN_LENGTH, `token: at least ${MIN_TOKEN_LENGTH} characters`),
});

type Parsed = { ok: true; tokens: TokenEntry[] } | { ok: false; issue: string };

function compact(raw: string): unknown[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const [name = '', role = '', ...rest] = item.split(':');
      return { name, role, token: rest.join(':') };
    });
}

/** Parses the setting; an issue names the entry by position, never shows a token. */
export function parseTokens(raw: string | undefined): Parsed {
  const text = raw?.trim() ?? '';
  if (text === '') return { ok: false, issue: 'expected at least one name:role:token entry' };
  let items: unknown;
  if (text.startsWith('[')) {
    try {
      items = JSON.parse(text);
    } catch {
      return { ok: false, issue: 'expected a JSON array of { name, role, token }' };
    }
  } else items = compact(text);
  if (!Array.isArray(items) || items.length === 0) return { ok: false, issue: 'expected at least one entry' };
  const tokens: TokenEntry[] = [];
  for (const [i, item] of items.entries()) {
    const r = entrySchema.safeParse(item);
    if (!r.success) {
      const what = r.error.issues.map((x) =>
        x.path[0] === 'role' ? `role: one of ${roles.join(', ')}` : x.message,
      );
      return { ok: false, issue: `entry ${i + 1}: ${what.join('; ')}` };
    }
    tokens.push({ name: r.data.name, role: r.data.role, hash: sha256(r.data.token) });
  }
  const names = new Set(tokens.map((t) => t.name));
  const hashes = new Set(tokens.map((t) => t.hash.toString('hex')));
  if (names.size !== tokens.length) return { ok: false, issue: 'names must be unique' };
  if (hashes.size !== tokens.length) return { ok: false, issue: 'tokens must be unique' };
  return { ok: true, tokens };
}

/** The principal of an `Authorization: Bearer <token>` header; undefined if absent or unknown. */
export function authenticate(
  tokens: readonly TokenEntry[],
  header: string | undefined,
): Principal | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match === null) return undefined;
  const presented = sha256(match[1]!);
  let found: TokenEntry | undefined;
  for (const t of tokens) if (timingSafeEqual(presented, t.hash) && found === undefined) found = t;
  return found === undefined ? undefined : { name: found.name, role: found.role };
}

/** Whether `role` includes `required` (viewer < operator < approver). */
export function hasRole(role: Role, required: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(required);
}
