import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONVENTIONAL_NAME, FORBIDDEN_LABELS, Metrics } from '../../services/core/metrics.ts';
import { runtimeMetrics } from '../../services/core/runtime-metrics.ts';
import { ProgrammerError } from '../../services/core/errors.ts';
import { signalsMetrics } from '../../services/signals/metrics.ts';
import { triggerMetrics } from '../../services/trigger/metrics.ts';
import { reversionMetrics } from '../../services/reversion/metrics.ts';
import { followerMetrics, producerMetrics } from '../../services/gateway/gateway-metrics.ts';

/** What each service process registers: the stream runtime's metrics plus its own. */
const services: Record<string, ReadonlyArray<(m: Metrics) => unknown>> = {
  signals: [runtimeMetrics, signalsMetrics],
  trigger: [runtimeMetrics, triggerMetrics],
  reversion: [runtimeMetrics, reversionMetrics],
  gateway: [producerMetrics, followerMetrics],
};

interface Family {
  readonly service: string;
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
}

function families(): Family[] {
  const out: Family[] = [];
  for (const [service, registers] of Object.entries(services)) {
    const metrics = new Metrics({ service });
    for (const register of registers) register(metrics);
    for (const m of metrics.registry.getMetricsAsArray()) {
      const labels = (m as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
      out.push({ service, name: m.name, type: String(m.type), labels });
    }
  }
  return out;
}

const all = families();
const own = all.filter((f) => f.name.startsWith('backtrack_'));
const byName = new Map(all.map((f) => [f.name, f]));

interface Target {
  readonly panel: string;
  readonly expr: string;
}

function dashboardTargets(): Target[] {
  const json = JSON.parse(readFileSync('infra/grafana/dashboards/backtrack.json', 'utf8')) as {
    panels: Array<{ title: string; panels?: unknown[]; targets?: Array<{ expr: string }> }>;
  };
  const panels = json.panels.flatMap((p) => [p, ...((p.panels ?? []) as typeof json.panels)]);
  return panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

/** Metric families an expression reads: `_bucket`/`_sum`/`_count` of a histogram count as the histogram. */
function referenced(expr: string): string[] {
  const names = expr.match(/\b(backtrack|process|nodejs)_[a-zA-Z0-9_]+/g) ?? [];
  return names.map((n) => {
    const base = n.replace(/_(bucket|sum|count)$/, '');
    return base !== n && byName.get(base)?.type === 'histogram' ? base : n;
  });
}

describe('metric names and labels', () => {
  test('every service registers its own metrics and the process defaults', () => {
    for (const service of Object.keys(services)) {
      const names = all.filter((f) => f.service === service).map((f) => f.name);
      assert.ok(names.includes('process_cpu_seconds_total'), service);
      assert.ok(
        names.some((n) => n.startsWith(`backtrack_${service}_`)),
        `${service} has backtrack_${service}_* metrics`,
      );
    }
  });

  test('names follow backtrack_<component>_<what>_<unit>: counters _total, histograms in base units', () => {
    const bad: string[] = [];
    for (const f of own) {
      if (!CONVENTIONAL_NAME.test(f.name)) bad.push(`${f.name}: not backtrack_<component>_...`);
      if ((f.type === 'counter') !== f.name.endsWith('_total')) bad.push(`${f.name}: ${f.type} vs _total`);
      if (f.type === 'histogram' && !/_(seconds|bytes|ratio)$/.test(f.name)) bad.push(`${f.name}: unit`);
      if (/_(ms|millis|milliseconds|minutes|kb|mb)(_|$)/.test(f.name)) bad.push(`${f.name}: not a base unit`);
    }
    assert.deepEqual(bad, []);
  });

  test('no label carries tenant, rollout or other unbounded ids', () => {
    for (const f of own) {
      for (const label of f.labels) {
        assert.match(label, /^[a-z][a-z0-9_]*$/, `${f.name}{${label}}`);
        assert.ok(!FORBIDDEN_LABELS.has(label.toLowerCase()), `${f.name}{${label}}`);
        assert.ok(!/tenant|rollout/i.test(label), `${f.name}{${label}}`);
      }
    }
  });

  test('Metrics refuses an unbounded label at registration', () => {
    const m = new Metrics({ service: 'x', defaultMetrics: false });
    assert.throws(() => m.counter('backtrack_x_things_total', 'h', ['tenantId']), ProgrammerError);
    assert.throws(() => m.gauge('backtrack_x_things', 'h', ['rollout_id']), ProgrammerError);
    assert.throws(() => m.histogram('backtrack_x_seconds', 'h', ['Tenant']), ProgrammerError);
  });
});

describe('grafana dashboard', () => {
  const targets = dashboardTargets();

  test('every metric a query reads is exported, and a histogram is read through its buckets', () => {
    assert.ok(targets.length >= 20, `${targets.length} queries`);
    for (const t of targets) {
      const names = referenced(t.expr);
      assert.ok(names.length > 0, `${t.panel}: ${t.expr}`);
      for (const n of names) assert.ok(byName.has(n), `${t.panel}: ${n} is not exported`);
      if (t.expr.includes('histogram_quantile'))
        assert.match(t.expr, /_bucket\b/, `${t.panel}: histogram_quantile over buckets`);
    }
  });

  test('every label a query groups by exists on a metric it reads', () => {
    const implicit = new Set(['service', 'job', 'instance', 'le']);
    for (const t of targets) {
      const labels = [...t.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) =>
        (m[1] ?? '').split(',').map((s) => s.trim()),
      );
      const known = new Set(referenced(t.expr).flatMap((n) => byName.get(n)?.labels ?? []));
      for (const l of labels) assert.ok(implicit.has(l) || known.has(l), `${t.panel}: by (${l})`);
    }
  });

  test('it shows throughput, dead letters, lag, decisions and breach-to-command latency', () => {
    const read = new Set(targets.flatMap((t) => referenced(t.expr)));
    for (const n of [
      'backtrack_stream_records_consumed_total',
      'backtrack_stream_records_forwarded_total',
      'backtrack_stream_dlq_records_total',
      'backtrack_stream_consumer_lag_records',
      'backtrack_signals_snapshots_total',
      'backtrack_trigger_scores_total',
      'backtrack_trigger_decisions_total',
      'backtrack_reversion_breach_to_command_seconds',
    ])
      assert.ok(read.has(n), n);
  });
});

test('docs/METRICS.md documents every backtrack metric', () => {
  const doc = readFileSync('docs/METRICS.md', 'utf8');
  const missing = [...new Set(own.map((f) => f.name))].filter((n) => !doc.includes(`\`${n}\``));
  assert.deepEqual(missing, []);
});
