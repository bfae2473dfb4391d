import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../services/core/config.ts';
import { createLogger } from '../../services/core/logger.ts';
import { installShutdown } from '../../services/core/shutdown.ts';
import {
  deploymentTopicSpecs,
  formatTopicRenames,
  parseTopicRenames,
  serviceNames,
} from '../../services/core/topic-bindings.ts';
import { allTopicSpecs, changelogTopic, stateStores } from '../../topology/topics.ts';

const load = (env: Record<string, string>) => loadConfig({ service: 'signals', env });

describe('BACKTRACK_APP_ID and BACKTRACK_TOPICS', () => {
  test('defaults: app id backtrack, no renames, stdin ignored', () => {
    const c = load({});
    assert.equal(c.appId, 'backtrack');
    assert.deepEqual(c.topics, {});
    assert.equal(c.exitOnStdinEof, false);
  });

  test('the default app id gives the topology’s group, changelog and state directory names', () => {
    for (const [service, { store }] of Object.entries(stateStores)) {
      const names = serviceNames('backtrack', service);
      assert.equal(names.groupId, `backtrack-${service}`);
      assert.equal(names.changelogTopic(store), changelogTopic(service, store));
      assert.equal(names.app, service);
    }
  });

  test('another app id prefixes the group, the changelogs and the state directory', () => {
    const c = load({ BACKTRACK_APP_ID: ' staging ' });
    assert.equal(c.appId, 'staging');
    const names = serviceNames(c.appId, 'signals');
    assert.equal(names.groupId, 'staging-signals');
    assert.equal(names.changelogTopic('tenant-windows'), 'staging-signals-tenant-windows-changelog');
    assert.equal(names.app, 'staging-signals');
    assert.equal(c.kafka.clientId, 'staging-signals');
  });

  test('a bad app id fails naming the key', () => {
    assert.throws(
      () => load({ BACKTRACK_APP_ID: 'my app' }),
      /^ConfigError: BACKTRACK_APP_ID: expected 1\.\.200 characters of a-z A-Z 0-9 \. _ -, got "my app"$/,
    );
    assert.throws(() => load({ BACKTRACK_APP_ID: 'x'.repeat(201) }), /BACKTRACK_APP_ID: expected/);
  });

  test('topic renames are read as key=name pairs', () => {
    const c = load({ BACKTRACK_TOPICS: ' routing = deploy.routing.staging, scores=s.scores ,' });
    assert.deepEqual(c.topics, { routing: 'deploy.routing.staging', scores: 's.scores' });
  });

  test('an unknown key, a missing name or an illegal topic name fails naming the key', () => {
    for (const bad of ['nope=x', 'routing', 'routing=', 'routing=a b', 'routing=a=b']) {
      assert.throws(
        () => load({ BACKTRACK_TOPICS: `scores=s.scores,${bad}` }),
        (e: Error) =>
          e.message.startsWith('BACKTRACK_TOPICS: expected <key>=<topic name>,... with key in ') &&
          e.message.includes(`bad pair "${bad}"`),
        bad,
      );
    }
  });

  test('the default deployment’s topics are the topology’s; another renames topics, DLQs and changelogs', () => {
    assert.deepEqual(deploymentTopicSpecs('backtrack', {}), allTopicSpecs());
    const names = deploymentTopicSpecs('staging', { routing: 'deploy.routing.staging' }).map((t) => t.name);
    assert.equal(names.length, allTopicSpecs().length);
    for (const name of [
      'deploy.routing.staging',
      'deploy.routing.staging.dlq',
      'agent.telemetry.v1',
      'staging-signals-tenant-windows-changelog',
      'staging-reversion-routing-state-changelog',
    ])
      assert.ok(names.includes(name), name);
    assert.ok(!names.some((n) => n.startsWith('deploy.routing.v1') || n.startsWith('backtrack-')));
  });

  test('formatTopicRenames writes what parseTopicRenames reads', () => {
    const renames = { routing: 'r.x', telemetry: 't-1' };
    assert.deepEqual(parseTopicRenames(formatTopicRenames(renames)), { renames });
    assert.deepEqual(parseTopicRenames(undefined), { renames: {} });
  });

  test('BACKTRACK_EXIT_ON_STDIN_EOF is a boolean; a bad value names the key', () => {
    assert.equal(load({ BACKTRACK_EXIT_ON_STDIN_EOF: '1' }).exitOnStdinEof, true);
    assert.throws(
      () => load({ BACKTRACK_EXIT_ON_STDIN_EOF: 'maybe' }),
      /BACKTRACK_EXIT_ON_STDIN_EOF: expected true or false, got "maybe"/,
    );
  });
});

describe('installShutdown exitOnStdinEof', () => {
  const logger = createLogger({ service: 'test', level: 'silent' });

  test('the end of stdin runs the steps and exits 0', async () => {
    const stdin = new PassThrough();
    const ran: string[] = [];
    const exits: number[] = [];
    const shutdown = installShutdown({
      logger,
      signals: [],
      stdin,
      exitOnStdinEof: true,
      steps: [{ name: 'a', run: async () => void ran.push('a') }],
      exit: (code) => void exits.push(code),
    });
    stdin.end();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ran, ['a']);
    assert.deepEqual(exits, [0]);
    shutdown.dispose();
  });

  test('without it, the end of stdin does nothing', async () => {
    const stdin = new PassThrough();
    const exits: number[] = [];
    const shutdown = installShutdown({
      logger,
      signals: [],
      stdin,
      steps: [],
      exit: (code) => void exits.push(code),
    });
    stdin.resume();
    stdin.end();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(exits, []);
    shutdown.dispose();
  });
});
