/**
 * The routing table as reversion must see it before it issues a command: the compacted
 * deploy.routing.v1 (read as a table by every instance) overlaid with the commands this process
 * committed itself and the table has not shown yet. deploy.routing.v1 is keyed by tenant while
 * reversion is partitioned by rollout, so a tenant's previous command may have come from another
 * partition, here or on another instance; absorbing the view before each input keeps a tenant's epochs
 * consecutive wherever its rollouts land.
 *
 * Remaining assumption (single active rollout per tenant): another instance's command becomes visible
 * here only once the table has read it (milliseconds to a second). The core refuses to onboard a tenant
 * that the view shows on another live rollout's candidate; but a tenant added to a new rollout within
 * that window after its previous rollout's last command on another instance could reuse an epoch
 * (gateways then see an equal epoch and keep the first). So a tenant takes part in one live rollout at
 * a time, and its next rollout starts after the previous one's last routing command is in the table.
 */
import type { RoutingCommand } from '../../schemas/types.ts';
import { absorbRoutingCommand, type ReversionState } from './core/index.ts';

/** A keyed, read-only view of a compacted topic. */
export interface TableLookup<V> {
  get(key: string): V | undefined;
}

export class RoutingView implements TableLookup<RoutingCommand> {
  readonly #table: TableLookup<RoutingCommand>;
  readonly #local = new Map<string, RoutingCommand>();

  constructor(table: TableLookup<RoutingCommand>) {
    this.#table = table;
  }

  /** The tenant's newest known command (highest epoch); a table record keyed by another tenant is ignored. */
  get(tenantId: string): RoutingCommand | undefined {
    const read = this.#table.get(tenantId);
    const fromTable = read?.tenantId === tenantId ? read : undefined;
    const local = this.#local.get(tenantId);
    if (local === undefined) return fromTable;
    if (fromTable !== undefined && fromTable.epoch >= local.epoch) {
      this.#local.delete(tenantId);
      return fromTable;
    }
    return local;
  }

  /** Commands whose transaction committed: visible to every partition of this process at once. */
  recordCommitted(commands: readonly RoutingCommand[]): void {
    for (const c of commands) {
      const known = this.get(c.tenantId);
      if (known === undefined || known.epoch < c.epoch) this.#local.set(c.tenantId, c);
    }
  }
}

/** Adopts the view's newer commands for `tenantIds` into `state`; the ids adopted. */
export function absorbTenants(
  state: ReversionState,
  view: TableLookup<RoutingCommand>,
  tenantIds: Iterable<string>,
): string[] {
  const adopted: string[] = [];
  for (const id of new Set(tenantIds)) {
    const cmd = view.get(id);
    if (cmd !== undefined && absorbRoutingCommand(state, cmd)) adopted.push(id);
  }
  return adopted;
}
