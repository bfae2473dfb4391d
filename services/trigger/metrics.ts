/** The trigger service's own metrics (the runtime's are in services/core/runtime-metrics.ts). Labels: tiers, never tenants or rollouts. */
import type { Metrics } from '../core/metrics.ts';

export function triggerMetrics(metrics: Metrics) {
  return {
    decisions: metrics.counter('backtrack_trigger_decisions_total', 'Rollback decisions emitted', [
      'action',
      'mode',
    ]),
    scores: metrics.counter('backtrack_trigger_scores_total', 'ALERT scores emitted, by tenant verdict', [
      'tier',
      'verdict',
    ]),
    alertComponents: metrics.histogram(
      'backtrack_trigger_alert_component_ratio',
      'ALERT score components (A, L, E, R, T, cost, safety) and composite of each tenant score, 0..1',
      ['component', 'tier'],
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    ),
    snapshots: metrics.counter(
      'backtrack_trigger_snapshots_total',
      'Signal snapshots received: in time for their window, or after it was decided (late)',
      ['arrival'],
    ),
    windows: metrics.counter(
      'backtrack_trigger_windows_total',
      'Rollout windows decided: once complete, or after holdMs of wall-clock time without all their snapshots',
      ['decided'],
    ),
    rolloutCommands: metrics.counter('backtrack_trigger_rollout_commands_total', 'Rollout commands applied', [
      'action',
    ]),
    pending: metrics.gauge(
      'backtrack_trigger_pending_snapshots',
      'Snapshots held until their window is complete, per input partition',
      ['partition'],
    ),
  };
}

export type TriggerMetrics = ReturnType<typeof triggerMetrics>;
