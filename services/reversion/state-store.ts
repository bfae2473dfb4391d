/**
 * The reversion state of one partition in its changelogged store, one key per entity so a commit
 * writes only what changed (a rollout of 10 000 tenants never rewrites the tenants table):
 *
 *   tenant/<tenantId>    TenantRouting       rollout/<rolloutId>   RolloutState
 *   audit/<rolloutId>    AuditHead           outbox/<seq:12>       notification awaiting delivery
 *   meta/outbox-seq      last outbox seq
 *
 * Values are the core's canonical state codec (a one-entity ReversionState) or JSON for the outbox.
 */
import { z } from 'zod';
import { BacktrackError } from '../core/errors.ts';
import type { KeyValueStore } from '../core/stores/key-value-store.ts';
import { stringSerde } from '../core/stores/serde.ts';
import { TypedStore } from '../core/stores/typed-store.ts';
import {
  createReversionState,
  decodeReversionState,
  encodeReversionState,
  type ReversionOutput,
  type ReversionState,
} from './core/index.ts';
import type { Notification } from './core/index.ts';

/** A notification committed with the state change that caused it, until every target had it. */
export interface OutboxEntry {
  /** `outbox/<seq>` key suffix; increasing per partition. */
  readonly seq: number;
  readonly notification: Notification;
  /** Target ids still to deliver to. */
  readonly targets: string[];
  /** epoch ms */
  readonly enqueuedAt: number;
}

/** Which entities an output changed (see `touchedBy`). */
export interface Touched {
  readonly tenants: Set<string>;
  readonly rollouts: Set<string>;
}

/** The store's contents do not decode: never retriable, a human must look. */
export class StateCorruptError extends BacktrackError {
  readonly retriable = false;
}

const outboxSchema = z.object({
  seq: z.number().int().positive(),
  notification: z.object({
    kind: z.enum([
      'approval_requested',
      'approval_resolved',
      'refused',
      'rolled_back',
      'rollout_halted',
      'rollout_aborted',
      'onboarding_paused',
    ]),
    rolloutId: z.string(),
    summary: z.string(),
    severity: z.enum(['critical', 'error', 'warning', 'info']),
    decisionId: z.string().optional(),
  }),
  targets: z.array(z.string()),
  enqueuedAt: z.number(),
});

const SEQ_KEY = 'meta/outbox-seq';
const outboxKey = (seq: number): string => `outbox/${String(seq).padStart(12, '0')}`;

/**
 * The entities an output touched. Every change the core makes to a rollout or an audit head comes with
 * an audit event of that rollout id, and every change to a tenant with a routing command for it.
 */
export function touchedBy(out: Pick<ReversionOutput, 'commands' | 'audit'>, into?: Touched): Touched {
  const t = into ?? { tenants: new Set<string>(), rollouts: new Set<string>() };
  for (const c of out.commands) t.tenants.add(c.tenantId);
  for (const a of out.audit) t.rollouts.add(a.rolloutId);
  return t;
}

export class ReversionStateStore {
  readonly #store: TypedStore<string, string>;

  constructor(store: KeyValueStore) {
    this.#store = new TypedStore(store, stringSerde, stringSerde);
  }

  /** Everything stored, validated; throws StateCorruptError naming the bad key. */
  async load(): Promise<{ state: ReversionState; outbox: OutboxEntry[]; outboxSeq: number }> {
    const state = createReversionState();
    const outbox: OutboxEntry[] = [];
    let outboxSeq = 0;
    for await (const [key, value] of this.#store.range()) {
      if (key === SEQ_KEY) outboxSeq = Number(value);
      else if (key.startsWith('outbox/')) {
        const parsed = outboxSchema.safeParse(parseJson(key, value));
        if (!parsed.success) throw new StateCorruptError(`${key}: ${parsed.error.issues[0]?.message}`);
        outbox.push(parsed.data);
      } else {
        const decoded = decodeReversionState(value);
        if (!decoded.ok) throw new StateCorruptError(`${key}: ${decoded.reason}`);
        for (const [id, t] of decoded.state.tenants) state.tenants.set(id, t);
        for (const [id, r] of decoded.state.rollouts) state.rollouts.set(id, r);
        for (const [id, h] of decoded.state.auditHeads) state.auditHeads.set(id, h);
      }
    }
    return { state, outbox, outboxSeq };
  }

  /** Writes the touched tenants, rollouts and audit heads as they are in `state`. */
  async save(state: ReversionState, touched: Touched): Promise<void> {
    for (const id of touched.tenants) {
      const t = state.tenants.get(id);
      if (t !== undefined) await this.#put(`tenant/${id}`, { ...empty(), tenants: new Map([[id, t]]) });
    }
    for (const id of touched.rollouts) {
      const r = state.rollouts.get(id);
      if (r !== undefined) await this.#put(`rollout/${id}`, { ...empty(), rollouts: new Map([[id, r]]) });
      const h = state.auditHeads.get(id);
      if (h !== undefined) await this.#put(`audit/${id}`, { ...empty(), auditHeads: new Map([[id, h]]) });
    }
  }

  async putOutbox(entry: OutboxEntry): Promise<void> {
    await this.#store.put(outboxKey(entry.seq), JSON.stringify(entry));
    await this.#store.put(SEQ_KEY, String(entry.seq));
  }

  async deleteOutbox(seq: number): Promise<void> {
    await this.#store.delete(outboxKey(seq));
  }

  async #put(key: string, partial: ReversionState): Promise<void> {
    await this.#store.put(key, encodeReversionState(partial));
  }
}

const empty = (): ReversionState => createReversionState();

function parseJson(key: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (e) {
    throw new StateCorruptError(`${key}: not JSON: ${(e as Error).message}`);
  }
}
