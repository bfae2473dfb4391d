import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k from '../../services/core/kafka.ts';
import { CONVENTIONAL_NAME, FORBIDDEN_LABELS, type MetricsServer } from '../../services/core/metrics.ts';
import { waitFor } from './helpers.ts';
import { Pipeline } from './signals-pipeline.ts';
import { demoPolicy, latencySpec, scenarioRecords, startCommand } from '../unit/signals-fixtures.ts';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Scrape {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

/** Parses the Prometheus text format (as prom-client writes it). */
function parse(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

async function scrape(server: MetricsServer): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return parse(await res.text());
}

const total = (s: Scrape, name: string, labels: Record<string, string> = {}): number =>
  s.samples
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((sum, x) => sum + x.value, 0);

const pipeline = new Pipeline('metrics', demoPolicy());
const servers: MetricsServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
  await pipeline.tearDown();
});

test('signals and trigger serve conventional, bounded metrics that count the records they handled', async (ctx) => {
  await pipeline.setUp();
  const startEpochMs = Date.now() - 30 * 60_000 - (Date.now() % 60_000);
  const spec = latencySpec({ factor: 1, startEpochMs, durationMs: 60_000, ratePerMin: 120 });
  await pipeline.command(startCommand(spec));
  await pipeline.startTrigger();
  await pipeline.startSignals();
  const signals = await pipeline.signalsRt.metrics.serve(0, '127.0.0.1');
  const trigger = await pipeline.triggerRt.metrics.serve(0, '127.0.0.1');
  servers.push(signals, trigger);

  await pipeline.produce(scenarioRecords(spec));
  const producer = k.createIdempotentProducer(pipeline.signalsRt.kafka);
  await producer.connect();
  await producer.send({
    topic: pipeline.names.telemetry,
    messages: [{ key: 'pro-1', value: Buffer.from('not avro'), timestamp: String(startEpochMs) }],
  });
  await producer.disconnect();
  await pipeline.waitCaughtUp('signals', 'telemetry');
  await waitFor(() => pipeline.scores.length > 0, 'trigger scored a window', 20_000);
  await pipeline.waitCaughtUp('trigger', 'signals');

  const s = await scrape(signals);
  const t = await scrape(trigger);
  for (const [service, scraped] of [
    ['signals', s],
    ['trigger', t],
  ] as const) {
    const own = [...scraped.types.keys()].filter((n) => n.startsWith('backtrack_'));
    assert.ok(own.length >= 10, `${service}: ${own.length} backtrack metrics`);
    for (const name of own) {
      assert.match(name, CONVENTIONAL_NAME);
      assert.equal(scraped.types.get(name) === 'counter', name.endsWith('_total'), name);
    }
    for (const x of scraped.samples) {
      assert.equal(x.labels.service, service, `${x.name} has service="${service}"`);
      for (const label of Object.keys(x.labels)) {
        assert.ok(!FORBIDDEN_LABELS.has(label.toLowerCase()), `${x.name}{${label}}`);
        assert.ok(!/tenant|rollout/i.test(label), `${x.name}{${label}}`);
      }
    }
  }

  const events = scenarioRecords(spec).filter((r) => r.type === 'telemetry').length;
  assert.equal(
    total(s, 'backtrack_stream_records_consumed_total', { topic: pipeline.names.telemetry }),
    events,
  );
  assert.equal(
    total(s, 'backtrack_stream_dlq_records_total', {
      topic: pipeline.names.telemetry,
      reason: 'bad-magic-byte',
    }),
    1,
  );
  assert.equal(
    total(s, 'backtrack_signals_events_total', { kind: 'telemetry', verdict: 'accepted' }),
    events,
  );
  const closed = total(s, 'backtrack_signals_snapshots_total');
  assert.ok(closed > 0, 'windows closed');
  assert.equal(
    total(s, 'backtrack_stream_records_forwarded_total', { topic: pipeline.names.signals }),
    closed,
  );
  assert.ok(
    s.samples.some(
      (x) => x.name === 'backtrack_stream_consumer_lag_records' && x.labels.partition !== undefined,
    ),
    'lag per topic-partition',
  );
  assert.ok(total(s, 'backtrack_stream_batch_seconds_count') > 0);
  assert.ok(total(t, 'backtrack_stream_records_consumed_total', { topic: pipeline.names.signals }) > 0);
  const scored = total(t, 'backtrack_trigger_scores_total');
  assert.ok(
    scored > 0 && scored >= pipeline.scores.length,
    `${scored} scores counted, ${pipeline.scores.length} read`,
  );
  ctx.diagnostic(`${events} events, ${closed} windows closed, ${scored} scores`);
});
