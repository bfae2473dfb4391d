/**
 * Security: Kafka over SASL_SSL (SCRAM-SHA-512, self-signed CA) from config, against a second broker
 * this test starts (infra/kafka/extra-broker.sh, ports 19092/19093, .data/fault-sasl) and stops;
 * secrets never reach the logs; config, webhook URLs and webhook payload sizes are validated.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { loadConfig } from '../../services/core/config.ts';
import { ConfigError } from '../../services/core/errors.ts';
import * as k from '../../services/core/kafka.ts';
import { createLogger, type Logger } from '../../services/core/logger.ts';
import { webhookBody } from '../../services/reversion/webhook-payload.ts';
import { MAX_WEBHOOK_URL_LENGTH, parseWebhookTargets } from '../../services/reversion/webhook-targets.ts';
import type { Notification } from '../../services/reversion/core/index.ts';
import { cleanup, createTopics, readTopic, uniqueName } from '../integration/helpers.ts';
import { recordResult } from './fault-report.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const DIR = join(ROOT, '.data', 'fault-sasl');
const PORT = '19092';
const USER = 'backtrack';
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const WRONG = `wrong-${randomBytes(12).toString('hex')}`;
const env = {
  EXTRA_KAFKA_DIR: DIR,
  EXTRA_KAFKA_PORT: PORT,
  EXTRA_KAFKA_CTRL_PORT: '19093',
  EXTRA_KAFKA_USER: USER,
  EXTRA_KAFKA_PASSWORD: PASSWORD,
};
const broker = (cmd: string): void => {
  execFileSync('bash', [join(ROOT, 'infra/kafka/extra-broker.sh'), cmd], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
};

/** Every line a logger wrote, for the secret checks. */
const logLines: string[] = [];
function capturingLogger(): Logger {
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  return createLogger({ service: 'fault-security', level: 'debug', destination });
}

function saslEnv(password: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: `127.0.0.1:${PORT}`,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: USER,
    KAFKA_SASL_PASSWORD: password,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_PATH: join(DIR, 'tls', 'ca.pem'),
    ...extra,
  };
}

function kafkaFor(vars: Record<string, string>, logger: Logger, retries = 0): k.Kafka {
  const config = loadConfig({ service: 'fault-security', env: vars });
  logger.info({ config }, 'config loaded');
  return k.createKafka(config.kafka, logger, { retries, connectionTimeout: 5_000 });
}

async function connects(kafka: k.Kafka): Promise<string> {
  const admin = k.createAdmin(kafka);
  try {
    await admin.connect();
    await admin.listTopics();
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

describe('Kafka over SASL_SSL (SCRAM-SHA-512) on a second broker', () => {
  const topic = uniqueName('sasl');
  const results: Record<string, string> = {};
  let good: k.Kafka;
  before(() => {
    broker('stop');
    rmSync(DIR, { recursive: true, force: true });
    broker('start');
  });
  after(async () => {
    if (good !== undefined) await cleanup(good, [topic]).catch(() => undefined);
    broker('stop');
  });

  test('produce and consume work with the right credentials', async () => {
    const logger = capturingLogger();
    good = kafkaFor(saslEnv(PASSWORD), logger, 3);
    await createTopics(good, [{ topic, partitions: 2 }]);
    const producer = k.createIdempotentProducer(good);
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    await producer.disconnect();
    const got = await readTopic(good, topic, 20, 30_000);
    assert.deepEqual(
      got.map((m) => m.value?.toString()).sort(),
      Array.from({ length: 20 }, (_, i) => `v${i}`).sort(),
    );
    results.rightPassword = 'produced 20, consumed 20';
  });

  test('a wrong password, no SASL, or TLS without the CA cannot connect', async () => {
    const logger = capturingLogger();
    results.wrongPassword = await connects(kafkaFor(saslEnv(WRONG), logger));
    assert.equal(results.wrongPassword, 'KafkaJSSASLAuthenticationError');
    const noSasl = {
      KAFKA_BROKERS: `127.0.0.1:${PORT}`,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_PATH: join(DIR, 'tls', 'ca.pem'),
    };
    results.tlsWithoutSasl = await connects(kafkaFor(noSasl, logger));
    assert.notEqual(results.tlsWithoutSasl, 'ok');
    const noCa = saslEnv(PASSWORD);
    delete (noCa as Partial<typeof noCa>).KAFKA_SSL_CA_PATH;
    results.untrustedCertificate = await connects(kafkaFor(noCa, logger));
    assert.notEqual(results.untrustedCertificate, 'ok');
    results.plaintextClient = await connects(kafkaFor({ KAFKA_BROKERS: `127.0.0.1:${PORT}` }, logger));
    assert.notEqual(results.plaintextClient, 'ok');
  });

  test('no password appears in any log line; the logged config shows [redacted]', () => {
    const text = logLines.join('');
    assert.ok(logLines.length >= 4, `${logLines.length} log lines captured`);
    assert.ok(!text.includes(PASSWORD), 'the right password was logged');
    assert.ok(!text.includes(WRONG), 'the wrong password was logged');
    assert.ok(text.includes('[redacted]'));
    results.logLinesScanned = String(logLines.length);
    recordResult('security: SASL_SSL broker', results);
  });
});

describe('config and client refuse insecure or broken Kafka security settings, naming the key', () => {
  const dir = join(ROOT, '.data', 'fault-sasl-config');
  before(() => {
    rmSync(dir, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'not-a-cert.pem'), 'hello');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['unknown mechanism', { KAFKA_SASL_MECHANISM: 'gssapi' }, /^KAFKA_SASL_MECHANISM: expected one of/m],
    ['mechanism without user', { KAFKA_SASL_MECHANISM: 'scram-sha-512' }, /^KAFKA_SASL_MECHANISM: set/m],
    [
      'password without mechanism',
      { KAFKA_SASL_PASSWORD: 'p4ss-secret' },
      /^KAFKA_SASL_MECHANISM: required/m,
    ],
    [
      'plain without TLS',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p4ss-secret' },
      /^KAFKA_SASL_MECHANISM: plain/m,
    ],
    [
      'missing CA file',
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_PATH: '/nonexistent/ca.pem' },
      /^KAFKA_SSL_CA_PATH: cannot read the file \(ENOENT\)/m,
    ],
    [
      'CA file not PEM',
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_PATH: join(dir, 'not-a-cert.pem') },
      /^KAFKA_SSL_CA_PATH: expected a PEM file/m,
    ],
    ['KAFKA_SSL not a boolean', { KAFKA_SSL: 'maybe' }, /^KAFKA_SSL: expected true or false, got "maybe"/m],
    ['bad broker list', { KAFKA_BROKERS: 'kafka:99999' }, /^KAFKA_BROKERS: expected a comma-separated list/m],
  ];
  for (const [name, vars, message] of cases) {
    test(name, () => {
      let error: unknown;
      try {
        const config = loadConfig({ service: 'x', env: vars });
        k.createKafka(config.kafka, capturingLogger());
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof ConfigError, `${name}: no ConfigError`);
      assert.match(error.message, message);
      assert.ok(!error.message.includes('p4ss-secret'), 'a password in the error message');
    });
  }
});

const note: Notification = { kind: 'refused', rolloutId: 'ro-1', summary: 's', severity: 'warning' };

describe('webhook targets and payloads are validated', () => {
  test('any string: parsed or refused with issues that never echo the entry', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 3_000 }), fc.webUrl({ size: 'large' })), (raw) => {
        const r = parseWebhookTargets(raw);
        if (r.ok) {
          for (const t of r.targets) assert.ok(['http:', 'https:'].includes(new URL(t.url).protocol));
          return;
        }
        refused++;
        for (const entry of raw.split(',').map((e) => e.trim()))
          if (entry.length >= 24) assert.ok(!r.issues.join('\n').includes(entry), 'issue echoes the entry');
      }),
      { numRuns: 3_000, seed: 21 },
    );
    assert.ok(refused > 0);
  });

  test('URLs over the length cap or of another scheme are refused', () => {
    const long = `https://hooks.example.com/${'a'.repeat(MAX_WEBHOOK_URL_LENGTH)}`;
    for (const raw of [long, 'file:///etc/passwd', 'javascript:alert(1)', 'slack:ftp://x.y/z']) {
      const r = parseWebhookTargets(raw);
      assert.equal(r.ok, false, raw.slice(0, 40));
    }
    assert.equal(parseWebhookTargets('pagerduty:bad key!@https://events.pagerduty.com/v2/enqueue').ok, false);
  });

  test('a body never exceeds the cap, whatever the summary', () => {
    const parsed = parseWebhookTargets(
      'https://ops.example.com/h,slack:https://hooks.slack.com/services/T/B/X,pagerduty:rk1@https://events.pagerduty.com/v2/enqueue',
    );
    assert.ok(parsed.ok);
    let bodies = 0;
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 20_000 }),
        fc.integer({ min: 600, max: 20_000 }),
        (summary, max) => {
          for (const t of parsed.targets) {
            const body = webhookBody(t, { ...note, summary }, max);
            assert.ok(Buffer.byteLength(body) <= max, `${t.kind}: ${Buffer.byteLength(body)} > ${max}`);
            JSON.parse(body);
            bodies++;
          }
        },
      ),
      { numRuns: 400, seed: 22 },
    );
    recordResult('security: webhook validation', { urlStringsFuzzed: 3_000, bodiesCapped: bodies });
  });
});
