/**
 * The stream runtime's own metrics (services/core/runner.ts), the same names in every service: the
 * registry's default label `service` tells them apart. Component `stream` in `backtrack_stream_*`.
 */
import type { Metrics } from './metrics.ts';

export function runtimeMetrics(metrics: Metrics) {
  return {
    consumed: metrics.counter('backtrack_stream_records_consumed_total', 'Records read from input topics', [
      'topic',
    ]),
    forwarded: metrics.counter('backtrack_stream_records_forwarded_total', 'Records sent to output topics', [
      'topic',
    ]),
    deadLettered: metrics.counter(
      'backtrack_stream_dlq_records_total',
      'Records sent to a dead-letter topic',
      ['topic', 'reason'],
    ),
    commits: metrics.counter('backtrack_stream_commits_total', 'Commit cycles (outputs, state, offsets)', [
      'mode',
    ]),
    consumerRestarts: metrics.counter(
      'backtrack_stream_consumer_restarts_total',
      'Consumer started again by the runner after kafkajs stopped it while the cluster was unreachable',
      [],
    ),
    punctuations: metrics.counter('backtrack_stream_punctuations_total', 'Punctuator calls', ['type']),
    restored: metrics.counter(
      'backtrack_stream_restored_records_total',
      'Changelog records replayed into stores',
      ['store'],
    ),
    batchSeconds: metrics.histogram(
      'backtrack_stream_batch_seconds',
      'Processing and commit time of one input batch',
      [],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    ),
    lag: metrics.gauge('backtrack_stream_consumer_lag_records', 'Records behind the log end after a batch', [
      'topic',
      'partition',
    ]),
  };
}

export type RuntimeMetrics = ReturnType<typeof runtimeMetrics>;
