/**
 * When a rollout's window is complete, from the snapshots alone. signals emits a tenant's snapshots in
 * windowEnd order, and every sub-window while the tenant has candidate traffic in its rolling window;
 * so a tenant that delivered window W (or a later one) has nothing more to send for W, and a tenant
 * that delivered the rollout's previous window is expected to deliver the next one.
 *
 * Window W is complete when every expected tenant has delivered W or a later window. Expected: the
 * tenants that delivered the last window decided here; before any (at start or after a restore), every
 * tenant delivered so far and every tenant the rollout's commands named. A tenant that misses a
 * decided window (idle: its traffic left the rolling window, or its signals partition lags) is
 * expected again once it delivers a window not yet decided (the caller observes only those). A tenant
 * whose candidate traffic ended sends a marker for the first window it has nothing for (`ended`): it
 * counts as delivered for that window and is not expected after it. The caller's wall-clock hold covers
 * what is left: an expected tenant whose marker was lost (a restart) or whose signals partition stalls.
 */
export class WindowProgress {
  /** tenantId → newest windowEnd delivered, epoch ms. */
  readonly #delivered = new Map<string, number>();
  /** The same, inverted: newest windowEnd delivered → tenants (few distinct windows at a time). */
  readonly #byWindow = new Map<number, Set<string>>();
  /** windowEnd of the last window decided, epoch ms; -Infinity before any. */
  #decided = -Infinity;
  /** Tenants whose newest delivery is an end-of-traffic marker: not expected after that window. */
  readonly #ended = new Set<string>();

  /** A snapshot of `tenantId` for a window not decided yet arrived. */
  observe(tenantId: string, windowEnd: number): void {
    const before = this.#delivered.get(tenantId);
    if (before !== undefined && before >= windowEnd) return;
    if (before !== undefined) this.#unindex(tenantId, before);
    this.#ended.delete(tenantId);
    this.#delivered.set(tenantId, windowEnd);
    let tenants = this.#byWindow.get(windowEnd);
    if (tenants === undefined) this.#byWindow.set(windowEnd, (tenants = new Set()));
    tenants.add(tenantId);
  }

  /** A marker of `tenantId` for a window not decided yet: it has nothing for it, nor after it. */
  ended(tenantId: string, windowEnd: number): void {
    const before = this.#delivered.get(tenantId);
    if (before !== undefined && before >= windowEnd) return;
    this.observe(tenantId, windowEnd);
    this.#ended.add(tenantId);
  }

  /** `named`: the tenants the rollout's commands named (called only before the first decided window). */
  isComplete(windowEnd: number, named: () => Iterable<string>): boolean {
    if (this.#delivered.size === 0) return false;
    for (const w of this.#byWindow.keys()) if (w < windowEnd) return false;
    if (this.#decided === -Infinity) for (const t of named()) if (!this.#delivered.has(t)) return false;
    return true;
  }

  /** Window `windowEnd` was decided: tenants that did not deliver it, or ended with it, are no longer expected. */
  decided(windowEnd: number): void {
    this.#decided = Math.max(this.#decided, windowEnd);
    for (const [w, tenants] of this.#byWindow) {
      if (w > windowEnd) continue;
      for (const t of [...tenants]) {
        if (w === windowEnd && !this.#ended.has(t)) continue;
        this.#delivered.delete(t);
        this.#ended.delete(t);
        tenants.delete(t);
      }
      if (tenants.size === 0) this.#byWindow.delete(w);
    }
  }

  #unindex(tenantId: string, windowEnd: number): void {
    const tenants = this.#byWindow.get(windowEnd);
    tenants?.delete(tenantId);
    if (tenants?.size === 0) this.#byWindow.delete(windowEnd);
  }
}
