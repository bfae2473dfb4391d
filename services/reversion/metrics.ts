/**
 * The reversion service's metrics. Labels are bounded: actions, audit kinds, tiers (configured, few),
 * webhook kinds; never tenant, rollout or decision ids.
 */
import type { Counter, Histogram } from 'prom-client';
import type { Metrics } from '../core/metrics.ts';

export interface ReversionMetrics {
  /** reason: start | advance | promote | abort | route_back | halt_rollout; via: command | decision | approval | timeout */
  readonly routingCommands: Counter<'reason' | 'via' | 'tier'>;
  /** via: what was being handled (command | decision | approval | timeout) */
  readonly refusals: Counter<'via'>;
  /** via: automatic | approval | timeout */
  readonly decisionsExecuted: Counter<'action' | 'via'>;
  readonly auditEvents: Counter<'kind'>;
  /** Decision (or approval) record's Kafka timestamp → its routing commands committed, seconds. */
  readonly decisionToCommand: Histogram<'via'>;
  /**
   * Automatic decisions: the breach (the decision's `decidedAt`, the end of its evidence window, event
   * time) → its routing commands committed (wall clock), seconds. The pipeline's end-to-end reaction
   * time when gateways stamp events with the wall clock; meaningless on replayed or simulated time.
   */
  readonly breachToCommand: Histogram<'action'>;
  /** outcome: delivered | failed | aborted | dropped */
  readonly webhooks: Counter<'target' | 'outcome'>;
  readonly webhookSeconds: Histogram<'target'>;
  readonly deadLetters: Counter<'ok'>;
  /** Inputs whose key is not their rolloutId (skipped: co-partitioning would break). */
  readonly misrouted: Counter<'topic'>;
}

export function reversionMetrics(m: Metrics): ReversionMetrics {
  return {
    routingCommands: m.counter(
      'backtrack_reversion_routing_commands_total',
      'Routing commands committed to the routing topic, by what caused them',
      ['reason', 'via', 'tier'],
    ),
    refusals: m.counter(
      'backtrack_reversion_refusals_total',
      'Refused commands, decisions or tenant reverts (a human must decide), by what was being handled',
      ['via'],
    ),
    decisionsExecuted: m.counter(
      'backtrack_reversion_decisions_executed_total',
      'Rollback decisions carried out',
      ['action', 'via'],
    ),
    auditEvents: m.counter('backtrack_reversion_audit_events_total', 'Audit events committed, by kind', [
      'kind',
    ]),
    decisionToCommand: m.histogram(
      'backtrack_reversion_decision_to_command_seconds',
      'From the decision (or approval) record timestamp to its routing commands being committed',
      ['via'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
    breachToCommand: m.histogram(
      'backtrack_reversion_breach_to_command_seconds',
      "From an automatic decision's breach (decidedAt: its evidence window's end) to its routing commands being committed",
      ['action'],
      [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    ),
    webhooks: m.counter(
      'backtrack_reversion_webhook_deliveries_total',
      'Webhook notifications by final outcome (after retries)',
      ['target', 'outcome'],
    ),
    webhookSeconds: m.histogram(
      'backtrack_reversion_webhook_delivery_seconds',
      'Time to deliver one notification to one target, retries included',
      ['target'],
      [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
    ),
    deadLetters: m.counter(
      'backtrack_reversion_notification_dead_letters_total',
      'Undeliverable notifications written to the dead-letter topic (ok=false: that write failed too)',
      ['ok'],
    ),
    misrouted: m.counter(
      'backtrack_reversion_misrouted_total',
      'Inputs skipped because their record key is not their rolloutId',
      ['topic'],
    ),
  };
}
