/**
 * Prometheus metrics of one process: a prom-client Registry (not the global one), default process
 * metrics, and `/metrics` on node:http. Names follow `backtrack_<what>_<unit>` (`_total` for counters);
 * label values must come from bounded sets (tiers, topics, reasons), never tenant or event ids.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ProgrammerError } from './errors.ts';

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

const counterName = /^backtrack_[a-z0-9_]+_total$/;
const otherName = /^backtrack_[a-z0-9_]+$/;

/**
 * The naming convention `backtrack_<component>_<what>_<unit>`: component is the service, or `stream`
 * for the shared stream runtime. Checked by the tests over every service's registry (not enforced
 * here, so a name outside it does not stop a service).
 */
export const CONVENTIONAL_NAME =
  /^backtrack_(signals|trigger|reversion|gateway|registry|stream)_[a-z0-9]+(_[a-z0-9]+)*$/;

/**
 * Label names that would carry unbounded values (one series per tenant, rollout, event ...): refused
 * at registration. Such ids belong in logs and audit events, not in Prometheus labels.
 */
export const FORBIDDEN_LABELS: ReadonlySet<string> = new Set(
  [
    'tenant',
    'tenantId',
    'tenant_id',
    'rollout',
    'rolloutId',
    'rollout_id',
    'decisionId',
    'decision_id',
    'eventId',
    'event_id',
    'sessionId',
    'session_id',
    'bundleId',
    'bundle_id',
  ].map((l) => l.toLowerCase()),
);

export class Metrics {
  readonly registry = new Registry();
  readonly #metrics = new Map<string, Counter<string> | Gauge<string> | Histogram<string>>();

  constructor(options: { service: string; defaultMetrics?: boolean }) {
    this.registry.setDefaultLabels({ service: options.service });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The counter of that name, created on first use; the same instance on later calls. */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    if (!counterName.test(name)) throw new ProgrammerError(`counter ${name} must match ${counterName}`);
    checkLabels(name, labelNames);
    return this.#get(name, () => new Counter<L>({ name, help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    this.#checkName(name);
    checkLabels(name, labelNames);
    return this.#get(name, () => new Gauge<L>({ name, help, labelNames, registers: [this.registry] }));
  }

  /** Buckets in the metric's unit (seconds for `_seconds`). */
  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: number[],
  ): Histogram<L> {
    this.#checkName(name);
    checkLabels(name, labelNames);
    return this.#get(
      name,
      () =>
        new Histogram<L>({
          name,
          help,
          labelNames,
          registers: [this.registry],
          ...(buckets ? { buckets } : {}),
        }),
    );
  }

  /** Serves `/metrics` (Prometheus text) and `/healthz`; port 0 picks a free port. */
  async serve(port: number, host = '0.0.0.0'): Promise<MetricsServer> {
    const server: Server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      } else if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else {
        res.writeHead(404).end();
      }
    });
    server.listen(port, host);
    await once(server, 'listening');
    const address = server.address();
    return {
      port: typeof address === 'object' && address !== null ? address.port : port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  #checkName(name: string): void {
    if (!otherName.test(name) || name.endsWith('_total')) {
      throw new ProgrammerError(`metric ${name} must match ${otherName} and not end in _total`);
    }
  }

  #get<M extends Counter<string> | Gauge<string> | Histogram<string>>(name: string, make: () => M): M {
    const existing = this.#metrics.get(name);
    if (existing !== undefined) return existing as M;
    const created = make();
    this.#metrics.set(name, created);
    return created;
  }
}

function checkLabels(name: string, labelNames: readonly string[]): void {
  const bad = labelNames.filter((l) => FORBIDDEN_LABELS.has(l.toLowerCase()));
  if (bad.length > 0) throw new ProgrammerError(`metric ${name}: unbounded label(s) ${bad.join(', ')}`);
}

/** Keeps a label value inside a known set; anything else becomes `other`. */
export function boundedLabel(value: string, allowed: ReadonlySet<string> | readonly string[]): string {
  const has = allowed instanceof Set ? allowed.has(value) : (allowed as readonly string[]).includes(value);
  return has ? value : 'other';
}
