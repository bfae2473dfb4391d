/**
 * Prometheus metrics of the gateway SDK. Labels are topics and verdicts (bounded sets), never tenants.
 */
import type { Metrics } from '../core/metrics.ts';

export function producerMetrics(metrics: Metrics) {
  return {
    sent: metrics.counter('backtrack_gateway_events_sent_total', 'Events acknowledged by the broker', [
      'topic',
    ]),
    failed: metrics.counter('backtrack_gateway_events_failed_total', 'Events the broker never acknowledged', [
      'topic',
    ]),
    batches: metrics.counter('backtrack_gateway_batches_total', 'Produce requests (batches) acknowledged'),
    blocked: metrics.counter(
      'backtrack_gateway_send_blocked_total',
      'send() calls that waited for buffer room',
    ),
    buffered: metrics.gauge('backtrack_gateway_buffer_events', 'Events accepted but not yet acknowledged'),
    batchSeconds: metrics.histogram(
      'backtrack_gateway_batch_seconds',
      'Time to acknowledge one batch',
      [],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    ),
  };
}

export function followerMetrics(metrics: Metrics) {
  return {
    commands: metrics.counter(
      'backtrack_gateway_routing_commands_total',
      'Routing commands read, per verdict',
      ['verdict'],
    ),
    undecodable: metrics.counter(
      'backtrack_gateway_routing_undecodable_total',
      'Routing records skipped as undecodable',
      ['reason'],
    ),
    tenants: metrics.gauge('backtrack_gateway_routing_tenants', 'Tenants with a routing command'),
    caughtUp: metrics.gauge(
      'backtrack_gateway_routing_caught_up',
      '1 once the routing topic was read to its end',
    ),
  };
}

export type ProducerMetrics = ReturnType<typeof producerMetrics>;
export type FollowerMetrics = ReturnType<typeof followerMetrics>;
