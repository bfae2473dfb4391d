/** The signals service's own metrics (the runtime's are in services/core/runtime-metrics.ts). Labels: tiers, never tenants. */
import { boundedLabel, type Metrics } from '../core/metrics.ts';

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
