import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../services/core/config.ts';
import { envInt, envString } from '../../services/core/env-schema.ts';
import { ConfigError } from '../../services/core/errors.ts';

const load = (env: Record<string, string>) => loadConfig({ service: 'signals', env });

function configError(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no ConfigError');
}

describe('loadConfig', () => {
  test('defaults point at the local broker and registry', () => {
    const c = load({});
    assert.deepEqual(c.kafka, { brokers: ['127.0.0.1:9092'], clientId: 'backtrack-signals' });
    assert.equal(c.registry.url, 'http://127.0.0.1:8081/apis/ccompat/v7');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.metricsPort, 9464);
    assert.equal(c.stateDir, '.data/state');
  });

  test('a bad value fails naming the key, what was expected and what it got', () => {
    assert.equal(
      configError({ BACKTRACK_METRICS_PORT: 'abc' }).message,
      'BACKTRACK_METRICS_PORT: expected integer 1..65535, got "abc"',
    );
    assert.equal(configError({ BACKTRACK_METRICS_PORT: '70000' }).retriable, false);
  });

  test('every bad key is reported at once', () => {
    const lines = configError({
      KAFKA_BROKERS: 'nohost',
      BACKTRACK_LOG_LEVEL: 'loud',
      SCHEMA_REGISTRY_URL: 'ftp://x',
    })
      .message.split('\n')
      .sort();
    assert.deepEqual(lines, [
      'BACKTRACK_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'KAFKA_BROKERS: expected a comma-separated list of host:port, got "nohost"',
      'SCHEMA_REGISTRY_URL: expected an http(s) URL, got "ftp://x"',
    ]);
  });

  test('SASL and TLS settings map to the kafka settings; a missing password is named', () => {
    const c = load({
      KAFKA_BROKERS: 'a:9093, b:9093',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 's3cret',
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_PATH: '/etc/ca.pem',
    });
    assert.deepEqual(c.kafka.brokers, ['a:9093', 'b:9093']);
    assert.deepEqual(c.kafka.sasl, { mechanism: 'scram-sha-512', username: 'svc', password: 's3cret' });
    assert.deepEqual(c.kafka.ssl, { caPath: '/etc/ca.pem' });
    assert.match(
      configError({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }).message,
      /^KAFKA_SASL_MECHANISM:/,
    );
  });

  test('a secret that fails validation is not echoed', () => {
    const message = configError({ KAFKA_SASL_PASSWORD: 'hunter2' }).message;
    assert.doesNotMatch(message, /hunter2/);
    assert.match(message, /KAFKA_SASL_MECHANISM: required/);
  });

  test('services extend the schema with their own keys', () => {
    const extend = {
      SIGNALS_WINDOW_MS: envInt(1_000, 3_600_000, 60_000),
      SIGNALS_POLICY: envString('policy.yaml'),
    };
    const c = loadConfig({ service: 'signals', env: { SIGNALS_WINDOW_MS: '300000' }, extend });
    assert.deepEqual(c.extra, { SIGNALS_WINDOW_MS: 300_000, SIGNALS_POLICY: 'policy.yaml' });
    assert.throws(
      () => loadConfig({ service: 'signals', env: { SIGNALS_WINDOW_MS: '5' }, extend }),
      /SIGNALS_WINDOW_MS: expected integer 1000..3600000, got "5"/,
    );
  });
});
