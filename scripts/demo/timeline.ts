/**
 * What the demo prints while it runs: ALERT scores summarised per tier, decisions and the routing
 * changes the gateways apply, each line stamped with seconds since the demo started.
 */
import type { AlertScore, RollbackDecision } from '../../schemas/types.ts';

export class Timeline {
  readonly #t0 = Date.now();
  readonly #latest = new Map<string, AlertScore>();

  say(line: string): void {
    const s = ((Date.now() - this.#t0) / 1000).toFixed(1).padStart(6);
    process.stdout.write(`[+${s}s] ${line}\n`);
  }

  /** Keeps the newest score per tenant; `tierSummary` reads them. */
  score(s: AlertScore): void {
    const prior = this.#latest.get(s.tenantId);
    if (prior === undefined || prior.windowEnd <= s.windowEnd) this.#latest.set(s.tenantId, s);
  }

  tierSummary(): string {
    const tiers = new Map<string, AlertScore[]>();
    for (const s of this.#latest.values()) tiers.set(s.tenantTier, [...(tiers.get(s.tenantTier) ?? []), s]);
    const parts = [...tiers.entries()].sort().map(([tier, scores]) => {
      const degraded = scores.filter((s) => s.verdict === 'degraded').length;
      const max = Math.max(...scores.map((s) => s.composite));
      const lat = Math.max(...scores.map((s) => s.latency));
      return `${tier}: ${degraded}/${scores.length} degraded, composite max ${max.toFixed(2)} (L ${lat.toFixed(2)})`;
    });
    return parts.length === 0 ? 'no scores yet' : parts.join(' | ');
  }

  decision(d: RollbackDecision): void {
    const tiers = [...new Set(d.tiers)].sort().join(', ');
    this.say(
      `DECISION ${d.action} (${d.mode}${d.dryRun ? ', dry run' : ''}) for ${d.tenantIds.length} tenant(s) [${tiers}] ` +
        `composite ${d.compositeScore.toFixed(2)} breadth ${d.breadth.toFixed(2)} — ${d.reasons[0] ?? ''}`,
    );
  }
}
