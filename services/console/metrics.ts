/** The console's Prometheus metrics; labels come from bounded sets (topics, routes, status classes). */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { Metrics } from '../core/metrics.ts';

export interface ConsoleMetrics {
  /** Records read into the read model, by topic and result (applied, duplicate, undecodable). */
  readonly records: Counter<'topic' | 'result'>;
  /** HTTP requests by route pattern, method and status code. */
  readonly requests: Counter<'route' | 'method' | 'status'>;
  /** seconds */
  readonly requestSeconds: Histogram<'route'>;
  /** Approvals and rollout commands produced, by kind (approve, reject, abort). */
  readonly actions: Counter<'kind'>;
  readonly sseClients: Gauge;
}

export function consoleMetrics(m: Metrics): ConsoleMetrics {
  return {
    records: m.counter('backtrack_console_records_total', 'Records applied to the console read model', [
      'topic',
      'result',
    ]),
    requests: m.counter('backtrack_console_http_requests_total', 'HTTP requests served', [
      'route',
      'method',
      'status',
    ]),
    requestSeconds: m.histogram(
      'backtrack_console_http_request_seconds',
      'HTTP request duration',
      ['route'],
      [0.001, 0.005, 0.02, 0.1, 0.5, 2],
    ),
    actions: m.counter('backtrack_console_actions_total', 'Approvals and commands sent by humans', ['kind']),
    sseClients: m.gauge('backtrack_console_sse_clients', 'Open live-update streams'),
  };
}
