import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, partitionLogger } from '../../services/core/logger.ts';
import { Metrics, boundedLabel } from '../../services/core/metrics.ts';
import { ProgrammerError } from '../../services/core/errors.ts';
import { loadConfig } from '../../services/core/config.ts';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  test('JSON lines with service, topic and partition; secrets redacted at any depth', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 'signals', level: 'info', destination: stream });
    const config = loadConfig({
      service: 'signals',
      env: {
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'hunter2',
        KAFKA_SSL: 'true',
      },
    });
    partitionLogger(logger, 'agent.telemetry.v1', 3).info({ config }, 'starting');
    logger.info({ env: { KAFKA_SASL_PASSWORD: 'hunter2' }, password: 'hunter2' }, 'raw');
    assert.equal(lines.length, 2);
    assert.deepEqual(
      [lines[0]?.service, lines[0]?.topic, lines[0]?.partition, lines[0]?.level],
      ['signals', 'agent.telemetry.v1', 3, 'info'],
    );
    assert.doesNotMatch(JSON.stringify(lines), /hunter2/);
    assert.match(JSON.stringify(lines[0]), /"password":"\[redacted\]"/);
  });
});

describe('metrics', () => {
  test('enforces conventional names and returns one instance per name', () => {
    const m = new Metrics({ service: 'test', defaultMetrics: false });
    assert.throws(() => m.counter('records', 'x'), ProgrammerError);
    assert.throws(() => m.counter('backtrack_records', 'x'), ProgrammerError);
    assert.throws(() => m.gauge('backtrack_lag_total', 'x'), ProgrammerError);
    const a = m.counter('backtrack_things_total', 'x', ['tier']);
    assert.equal(m.counter('backtrack_things_total', 'x', ['tier']), a);
  });

  test('serves /metrics in Prometheus text with the service label and default process metrics', async () => {
    const m = new Metrics({ service: 'test' });
    m.counter('backtrack_things_total', 'Things', ['tier']).inc({
      tier: boundedLabel('pro', ['enterprise', 'pro', 'free']),
    });
    m.counter('backtrack_things_total', 'Things', ['tier']).inc({
      tier: boundedLabel('tenant-123', ['pro']),
    });
    const server = await m.serve(0, '127.0.0.1');
    try {
      const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      assert.match(body, /backtrack_things_total\{tier="pro",service="test"\} 1/);
      assert.match(body, /backtrack_things_total\{tier="other",service="test"\} 1/);
      assert.match(body, /process_cpu_user_seconds_total/);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
