/** The runtime's own metrics, shared by every service through its `Metrics` instance. */
import type { Metrics } from './metrics.ts';

export function runtimeMetrics(metrics: Metrics) {
  return {
    consumed: metrics.counter('backtrack_records_consumed_total', 'Records read from input topics', [
      'topic',
    ]),
    forwarded: metrics.counter('backtrack_records_forwarded_total', 'Records sent to output topics', [
      'topic',
    ]),
    deadLettered: metrics.counter('backtrack_dlq_records_total', 'Records sent to a dead-letter topic', [
      'topic',
      'reason',
    ]),
    commits: metrics.counter('backtrack_commits_total', 'Commit cycles (outputs, state, offsets)', ['mode']),
    punctuations: metrics.counter('backtrack_punctuations_total', 'Punctuator calls', ['type']),
    restored: metrics.counter('backtrack_restored_records_total', 'Changelog records replayed into stores', [
      'store',
    ]),
    batchSeconds: metrics.histogram(
      'backtrack_batch_seconds',
      'Processing and commit time of one input batch',
      [],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    ),
    lag: metrics.gauge('backtrack_consumer_lag_records', 'Records behind the log end after a batch', [
      'topic',
      'partition',
    ]),
  };
}

export type RuntimeMetrics = ReturnType<typeof runtimeMetrics>;
