/**
 * What the demo prints while it runs, each line stamped with wall seconds since the demo started: ALERT
 * scores summarised per tier (when a tier's degraded count changes, at least every 10 s), decisions,
 * the routing changes the gateways apply, and the milestones of the run for the closing summary.
 */
import type { AlertScore, RollbackDecision } from '../../schemas/types.ts';

/** The moments the summary reports, in the order they should happen. */
export type Milestone = 'rollout' | 'degraded' | 'decision' | 'command' | 'allBack';

const SUMMARY_EVERY_MS = 10_000;

export class Timeline {
  readonly #t0 = Date.now();
  readonly #latest = new Map<string, AlertScore>();
  readonly #marks = new Map<Milestone, number>();
  #printedCounts = '';
  #printedAt = 0;

  say(line: string): void {
    process.stdout.write(`[+${this.#seconds(Date.now()).padStart(6)}s] ${line}\n`);
  }

  /** Records the first time (wall) `m` happened; later calls keep the first. */
  mark(m: Milestone): void {
    if (!this.#marks.has(m)) this.#marks.set(m, Date.now());
  }

  /** Wall ms from the demo's start (or from `from`) to milestone `m`; undefined if it did not happen. */
  since(m: Milestone, from?: Milestone): number | undefined {
    const at = this.#marks.get(m);
    const start = from === undefined ? this.#t0 : this.#marks.get(from);
    return at === undefined || start === undefined ? undefined : at - start;
  }

  get elapsedMs(): number {
    return Date.now() - this.#t0;
  }

  /** Keeps the newest score per tenant (`tick` prints the summary). */
  score(s: AlertScore): void {
    const prior = this.#latest.get(s.tenantId);
    if (prior === undefined || prior.windowEnd <= s.windowEnd) this.#latest.set(s.tenantId, s);
    if (s.verdict === 'degraded') this.mark('degraded');
  }

  /** Prints the tier summary when a tier's degraded count changed, or nothing was printed for 10 s. */
  tick(): void {
    const changed = this.#counts() !== this.#printedCounts;
    if (changed || Date.now() - this.#printedAt >= SUMMARY_EVERY_MS) this.printSignals();
  }

  printSignals(): void {
    this.#printedCounts = this.#counts();
    this.#printedAt = Date.now();
    this.say(`signals  ${this.tierSummary()}`);
  }

  tierSummary(): string {
    const parts = [...this.#byTier()].map(([tier, scores]) => {
      const degraded = scores.filter((s) => s.verdict === 'degraded').length;
      const max = Math.max(...scores.map((s) => s.composite));
      const p95 = Math.max(
        ...scores.flatMap((s) =>
          s.evidence.filter((e) => e.metric === 'latency_p95').map((e) => e.statistic),
        ),
      );
      const ratio = Number.isFinite(p95) ? `, p95 up to ×${p95.toFixed(2)}` : '';
      return `${tier} ${degraded}/${scores.length} degraded (composite max ${max.toFixed(2)}${ratio})`;
    });
    return parts.length === 0 ? 'no scores yet' : parts.join(' | ');
  }

  /** Prints a decision; its scores (same transaction) may be read after it, so it marks `degraded` too. */
  decision(d: RollbackDecision): void {
    this.mark('degraded');
    this.mark('decision');
    const tiers = [...new Set(d.tiers)].sort().join(', ');
    this.say(
      `DECISION ${d.action} (${d.mode}${d.dryRun ? ', dry run' : ''}) for ${d.tenantIds.length} tenant(s) [${tiers}] ` +
        `composite ${d.compositeScore.toFixed(2)} breadth ${d.breadth.toFixed(2)} — ${d.reasons[0] ?? ''}`,
    );
  }

  /** `+12.3 s (rollout +4.0 s)` for a milestone, or `never`. */
  at(m: Milestone): string {
    const t = this.since(m);
    if (t === undefined) return 'never';
    const r = this.since(m, 'rollout');
    return `+${(t / 1000).toFixed(1)} s${m !== 'rollout' && r !== undefined ? ` (rollout +${(r / 1000).toFixed(1)} s)` : ''}`;
  }

  /** The closing summary: the milestones, and the breach → routing command times (`latencies`). */
  printRunSummary(affected: number, latencies: string): void {
    this.say('SUMMARY (wall clock, since the demo started)');
    const rows: [string, string][] = [
      ['rollout started', this.at('rollout')],
      ['first degraded signal', this.at('degraded')],
      ['first decision', this.at('decision')],
      ['first routing command', this.at('command')],
      [`all ${affected} affected tenants back`, this.at('allBack')],
      ['breach → routing command', latencies],
    ];
    for (const [what, value] of rows) this.say(`  ${what.padEnd(32)} ${value}`);
  }

  #byTier(): [string, AlertScore[]][] {
    const tiers = new Map<string, AlertScore[]>();
    for (const s of this.#latest.values()) tiers.set(s.tenantTier, [...(tiers.get(s.tenantTier) ?? []), s]);
    return [...tiers.entries()].sort(([a], [b]) => a.localeCompare(b));
  }

  #counts(): string {
    return this.#byTier()
      .map(([tier, scores]) => `${tier}:${scores.filter((s) => s.verdict === 'degraded').length}`)
      .join(' ');
  }

  #seconds(wallMs: number): string {
    return ((wallMs - this.#t0) / 1000).toFixed(1);
  }
}
