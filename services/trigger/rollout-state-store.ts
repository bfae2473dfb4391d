/**
 * Stage 2's rollout states in the trigger's store, split so that a window rewrites only what it
 * changed and each changelog record stays small (a few KB, whatever the tenant count):
 *
 * - `r/<rolloutId>`: the rollout without its tenants (status, escalation, breadth, pools), as
 *   `encodeRolloutState` of `{ ...state, tenants: {} }`;
 * - `t/<rolloutId>\0<tenantId>`: one TenantState without its `recent` arms, UTF-8 JSON;
 * - `t/<rolloutId>\0<tenantId>\0<windowEnd, 16 digits>/<n>`: one entry of that tenant's `recent` (the
 *   n-th with that windowEnd), UTF-8 JSON. `recent` is ascending by windowEnd, so key order restores it.
 *
 * States stay decoded in memory (write-back, like ObjectCache): `get` hands out live objects, the
 * processor changes them in place and calls `set`; `flush` (from the processor's flush hook, before
 * each commit) serializes each dirty rollout piece by piece and writes only the keys whose bytes
 * changed since they were read or last written (a SHA-1 per key tells), with tombstones for pieces
 * gone. A legacy whole-state value under `r/<rolloutId>` (tenants inside) is read as is and split on
 * the next flush.
 */
import { createHash } from 'node:crypto';
import { ProgrammerError } from '../core/errors.ts';
import { prefixRange } from '../core/stores/bytes.ts';
import type { KeyValueStore, KeyValueWrite } from '../core/stores/key-value-store.ts';
import {
  decodeRolloutState,
  encodeRolloutState,
  RolloutStateDecodeError,
  type RolloutState,
  type TenantState,
} from '../detect/decide/index.ts';

type RecentEntry = TenantState['recent'][number];

const SEP = '\u0000';
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const json = (v: unknown): Buffer => utf8(JSON.stringify(v));
const digest = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('base64');

export const rolloutKey = (rolloutId: string): Buffer => utf8(`r/${rolloutId}`);
const piecePrefix = (rolloutId: string): string => `t/${rolloutId}${SEP}`;
/** Key of a piece below the rollout key: a tenant (`tenantId`) or a recent entry (`tenantId\0...`). */
const pieceKey = (rolloutId: string, piece: string): Buffer => utf8(piecePrefix(rolloutId) + piece);
export const tenantKey = pieceKey;
const entryPiece = (tenantId: string, windowEnd: number, n: number): string =>
  `${tenantId}${SEP}${String(windowEnd).padStart(16, '0')}/${n}`;

/** The bytes of one rollout by piece: '' for the rollout key, then tenants and their recent entries. */
export function splitRolloutState(state: RolloutState): Map<string, Buffer> {
  const out = new Map<string, Buffer>([['', encodeRolloutState({ ...state, tenants: {} })]]);
  for (const [tenantId, t] of Object.entries(state.tenants)) {
    out.set(tenantId, json({ ...t, recent: [] }));
    let last = Number.NaN;
    let n = 0;
    for (const e of t.recent) {
      n = e.windowEnd === last ? n + 1 : 0;
      last = e.windowEnd;
      out.set(entryPiece(tenantId, e.windowEnd, n), json(e));
    }
  }
  return out;
}

function parse<T>(bytes: Buffer, what: string, ok: (v: Partial<T>) => boolean): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new RolloutStateDecodeError(`${what} is not JSON`, { cause });
  }
  if (value === null || typeof value !== 'object' || !ok(value as Partial<T>))
    throw new RolloutStateDecodeError(`not a ${what}`);
  return value as T;
}

const decodeTenant = (b: Buffer): TenantState =>
  parse<TenantState>(b, 'tenant state', (t) => typeof t.tenantId === 'string' && Array.isArray(t.recent));
const decodeEntry = (b: Buffer): RecentEntry =>
  parse<RecentEntry>(b, 'recent entry', (e) => typeof e.windowEnd === 'number');

interface Entry {
  state: RolloutState;
  dirty: boolean;
  /** Digest of each key's bytes as the store holds them: '' for the rollout key, else the tenantId. */
  written: Map<string, string>;
}

export interface RolloutStateStoreStats {
  /** Keys written (put or deleted) by flushes so far. */
  keysWritten: number;
  /** Largest value written so far, bytes. */
  largestValue: number;
}

export class RolloutStateStore {
  readonly stats: RolloutStateStoreStats = { keysWritten: 0, largestValue: 0 };
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly store: KeyValueStore,
    /** Decoded rollouts kept in memory after a flush (least recently used go first). */
    readonly maxRollouts = 1_000,
  ) {
    if (!(Number.isSafeInteger(maxRollouts) && maxRollouts >= 0))
      throw new ProgrammerError(`RolloutStateStore maxRollouts must be an integer >= 0, got ${maxRollouts}`);
  }

  /** The rollout's live state, or undefined when the store has none. */
  async get(rolloutId: string): Promise<RolloutState | undefined> {
    const hit = this.#entries.get(rolloutId);
    if (hit !== undefined) {
      this.#entries.delete(rolloutId);
      this.#entries.set(rolloutId, hit);
      return hit.state;
    }
    const bytes = await this.store.get(rolloutKey(rolloutId));
    if (bytes === undefined) return undefined;
    const state = decodeRolloutState(bytes);
    const written = new Map<string, string>();
    const legacy = Object.keys(state.tenants).length > 0;
    if (!legacy) written.set('', digest(bytes));
    const prefix = utf8(piecePrefix(rolloutId));
    for await (const { key, value } of this.store.range(prefixRange(prefix))) {
      const piece = key.subarray(prefix.length).toString('utf8');
      const sep = piece.indexOf(SEP);
      if (sep < 0) {
        const tenant = decodeTenant(value);
        state.tenants[tenant.tenantId] = tenant;
      } else {
        const tenant = state.tenants[piece.slice(0, sep)];
        if (tenant === undefined)
          throw new RolloutStateDecodeError(`recent entry ${piece} without its tenant`);
        tenant.recent.push(decodeEntry(value));
      }
      written.set(piece, digest(value));
    }
    this.#entries.set(rolloutId, { state, dirty: legacy, written });
    return state;
  }

  /** Marks `state` (new, or changed in place) to be written by the next flush. */
  set(rolloutId: string, state: RolloutState): void {
    const entry = this.#entries.get(rolloutId);
    this.#entries.delete(rolloutId);
    this.#entries.set(rolloutId, { state, dirty: true, written: entry?.written ?? new Map() });
  }

  /** Writes the changed keys of every dirty rollout as one batch, then trims to `maxRollouts`. */
  async flush(): Promise<void> {
    const writes: KeyValueWrite[] = [];
    for (const [rolloutId, entry] of this.#entries) {
      if (!entry.dirty) continue;
      const next = new Map<string, string>();
      for (const [piece, value] of splitRolloutState(entry.state)) {
        const d = digest(value);
        next.set(piece, d);
        if (entry.written.get(piece) === d) continue;
        writes.push({ key: piece === '' ? rolloutKey(rolloutId) : pieceKey(rolloutId, piece), value });
      }
      for (const piece of entry.written.keys())
        if (!next.has(piece)) writes.push({ key: pieceKey(rolloutId, piece), value: null });
      entry.written = next;
      entry.dirty = false;
    }
    if (writes.length > 0) {
      await this.store.write(writes);
      this.stats.keysWritten += writes.length;
      for (const w of writes)
        this.stats.largestValue = Math.max(this.stats.largestValue, w.value?.length ?? 0);
    }
    for (const k of this.#entries.keys()) {
      if (this.#entries.size <= this.maxRollouts) break;
      this.#entries.delete(k);
    }
  }

  /** Forgets every decoded state without writing (after a failure, the store is the truth). */
  discard(): void {
    this.#entries.clear();
  }
}
