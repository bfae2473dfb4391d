/**
 * The gateway's view of deploy.routing.v1: the latest RoutingCommand per tenant, advanced only by a
 * strictly higher epoch. Pure: no Kafka, no clock. The follower feeds it records in log order; a
 * compacted topic may still deliver an older epoch after a newer one (a re-written key, a replayed
 * batch), and this table is what makes that harmless.
 */
import type { RoutingCommand } from '../../schemas/types.ts';

/**
 * What happened to one command: `applied`; `duplicate` (same epoch and commandId as the current one);
 * `stale` (a lower epoch); `conflict` (same epoch, different commandId: the single writer broke its
 * contract, the current routing is kept).
 */
export type RoutingVerdict = 'applied' | 'duplicate' | 'stale' | 'conflict';

export const routingVerdicts: readonly RoutingVerdict[] = ['applied', 'duplicate', 'stale', 'conflict'];

/** The verdict of `incoming` against the tenant's current command (undefined: never routed). */
export function judgeRouting(current: RoutingCommand | undefined, incoming: RoutingCommand): RoutingVerdict {
  if (current === undefined || incoming.epoch > current.epoch) return 'applied';
  if (incoming.epoch < current.epoch) return 'stale';
  return incoming.commandId === current.commandId ? 'duplicate' : 'conflict';
}

export interface RoutingApply {
  readonly verdict: RoutingVerdict;
  /** The tenant's command before this one. */
  readonly previous: RoutingCommand | undefined;
}

/** Latest routing per tenant. Owned by one follower; readers get the stored (immutable) commands. */
export class RoutingTable {
  readonly #routes = new Map<string, RoutingCommand>();
  readonly #counts: Record<RoutingVerdict, number> = { applied: 0, duplicate: 0, stale: 0, conflict: 0 };

  /** Applies `command` if its epoch is newer than the tenant's; returns the verdict either way. */
  apply(command: RoutingCommand): RoutingApply {
    const previous = this.#routes.get(command.tenantId);
    const verdict = judgeRouting(previous, command);
    if (verdict === 'applied') this.#routes.set(command.tenantId, command);
    this.#counts[verdict]++;
    return { verdict, previous };
  }

  /**
   * A tombstone (null value) for a tenant: the key was deleted by its writer. The tenant falls back to
   * the gateway's default and its next command is accepted whatever its epoch.
   */
  remove(tenantId: string): RoutingCommand | undefined {
    const previous = this.#routes.get(tenantId);
    this.#routes.delete(tenantId);
    return previous;
  }

  get(tenantId: string): RoutingCommand | undefined {
    return this.#routes.get(tenantId);
  }

  get size(): number {
    return this.#routes.size;
  }

  tenants(): IterableIterator<string> {
    return this.#routes.keys();
  }

  /** Commands seen per verdict since creation. */
  counts(): Readonly<Record<RoutingVerdict, number>> {
    return { ...this.#counts };
  }
}
