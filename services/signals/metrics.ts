/** The signals service's own metrics (the runtime's are in services/core/runtime-metrics.ts). Labels: tiers, never tenants. */
import type { Counter } from 'prom-client';
import { boundedLabel, type Metrics } from '../core/metrics.ts';
import type { ObserveVerdict } from '../detect/aggregate/index.ts';

export function signalsMetrics(metrics: Metrics) {
  return {
    events: metrics.counter(
      'backtrack_signals_events_total',
      'Telemetry and eval events by stage-1 verdict (accepted, duplicate, late, future)',
      ['kind', 'verdict', 'tier'],
    ),
    snapshots: metrics.counter('backtrack_signals_snapshots_total', 'Signal snapshots emitted', ['tier']),
    misrouted: metrics.counter(
      'backtrack_signals_misrouted_total',
      'Events whose record key is not their tenantId (their tenant state is split across partitions)',
      ['kind'],
    ),
    activeTenants: metrics.gauge(
      'backtrack_signals_active_tenants',
      'Tenants with windowed state, per input partition',
      ['partition'],
    ),
    closeSeconds: metrics.histogram(
      'backtrack_signals_window_close_seconds',
      'Closing the due sub-windows of every tenant of a partition',
      [],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    ),
    flushSeconds: metrics.histogram(
      'backtrack_signals_state_flush_seconds',
      'Encoding and writing the tenant states changed since the last commit',
      [],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    ),
  };
}

export type SignalsMetrics = ReturnType<typeof signalsMetrics>;

/** The tier as a label: one of the policy's tiers, `unknown` before a tenant's first telemetry, else `other`. */
export function tierLabel(tier: string, tiers: ReadonlySet<string>): string {
  return tier === '' ? 'unknown' : boundedLabel(tier, tiers);
}

const KINDS = ['telemetry', 'eval'] as const;
const VERDICTS: readonly ObserveVerdict[] = ['accepted', 'duplicate', 'late', 'future'];
const VERDICT_INDEX: Readonly<Record<ObserveVerdict, number>> = {
  accepted: 0,
  duplicate: 1,
  late: 2,
  future: 3,
};

/**
 * Event counts by kind, verdict and raw tier, kept between publishes: one Map lookup and an array
 * increment per event (a prom-client `inc` per event cost ~2 % of the service's CPU). The tier is
 * turned into a label only at {@link EventTally.publish}.
 */
export class EventTally {
  readonly #byTier = new Map<string, Float64Array>();

  add(kind: 'telemetry' | 'eval', verdict: ObserveVerdict, tier: string): void {
    let counts = this.#byTier.get(tier);
    if (counts === undefined) this.#byTier.set(tier, (counts = new Float64Array(8)));
    counts[(kind === 'telemetry' ? 0 : 4) + VERDICT_INDEX[verdict]]!++;
  }

  /** Adds the counts to `events` (labels kind, verdict, tier) and starts again from zero. */
  publish(events: Counter<'kind' | 'verdict' | 'tier'>, tiers: ReadonlySet<string>): void {
    for (const [tier, counts] of this.#byTier) {
      for (let i = 0; i < 8; i++) {
        const n = counts[i]!;
        if (n === 0) continue;
        events.inc({ kind: KINDS[i >> 2]!, verdict: VERDICTS[i & 3]!, tier: tierLabel(tier, tiers) }, n);
        counts[i] = 0;
      }
    }
  }
}
