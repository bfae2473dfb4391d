import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k from '../../services/core/kafka.ts';
import { bundleIdOf, canonicalBundleContent } from '../../services/registry/bundle-content.ts';
import { BundleRefusedError, InvalidBundleError } from '../../services/registry/registry-errors.ts';
import { BundleRegistry } from '../../services/registry/service.ts';
import { bundleInput } from '../../services/reversion/testing/fixtures.ts';
import { cleanup, createTopics, readTopic, testRuntime, uniqueName, waitFor } from './helpers.ts';

const topic = uniqueName('bundles');
const rt = testRuntime('registry', { bundles: topic });
after(() => cleanup(rt.kafka, [topic]));

const open = async (clock = () => Date.now()) => {
  const registry = new BundleRegistry({ kafka: rt.kafka, codec: rt.codec, logger: rt.logger, now: clock });
  await registry.start();
  return registry;
};

test('registering the same content twice writes one record; conflicting registrations are refused', async (t) => {
  await createTopics(rt.kafka, [{ topic, compact: true }]);
  const registry = await open();
  const other = await open();
  try {
    const input = bundleInput('model-a');
    const t0 = performance.now();
    const first = await registry.register(input, 'alice');
    t.diagnostic(`register (created, read back) took ${Math.round(performance.now() - t0)} ms`);
    assert.equal(first.verdict, 'created');
    assert.equal(first.bundle.bundleId, bundleIdOf(canonicalBundleContent(input)));
    assert.equal(first.bundle.registeredBy, 'alice');

    const again = await registry.register({ ...input, config: JSON.stringify(input.config) }, 'bob');
    assert.equal(again.verdict, 'exists', 'config given as JSON text is the same content');
    assert.deepEqual(again.bundle, first.bundle, 'the stored bundle, registeredBy alice');

    await waitFor(() => other.get(first.bundle.bundleId) !== undefined, 'the other instance to read it');
    const fromOther = await other.register(input, 'carol');
    assert.equal(fromOther.verdict, 'exists', 'another instance reads the registration back from the topic');

    const changed = { ...input, bundleId: first.bundle.bundleId, stateVersion: 's8' };
    await assert.rejects(registry.register(changed, 'mallory'), (e: unknown) => {
      assert.ok(e instanceof BundleRefusedError);
      assert.equal(e.reason, 'id_mismatch');
      assert.equal(e.retriable, false);
      assert.match(e.message, /cannot be changed/);
      return true;
    });

    await assert.rejects(
      registry.register({ ...bundleInput('model-c'), parentBundleId: 'b-0000000000000000' }, 'alice'),
      (e: unknown) => e instanceof BundleRefusedError && e.reason === 'unknown_parent',
    );
    await assert.rejects(
      registry.register({ ...input, modelId: ' ', supportedTiers: [] }, 'alice'),
      (e: unknown) =>
        e instanceof InvalidBundleError &&
        e.issues.map((i) => i.field).join(',') === 'modelId,supportedTiers' &&
        /modelId: must be a non-empty string/.test(e.message),
    );

    const child = await registry.register(
      { ...bundleInput('model-b'), parentBundleId: first.bundle.bundleId },
      'alice',
    );
    assert.equal(child.verdict, 'created');
    assert.deepEqual(
      registry.list().map((b) => b.bundleId),
      [first.bundle.bundleId, child.bundle.bundleId],
    );

    const records = await readTopic(rt.kafka, topic, 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(records.length, 2, 'one record per distinct content');
  } finally {
    await registry.stop();
    await other.stop();
  }
});

test('an id already holding other content (a tampered table) is refused, not overwritten', async () => {
  const input = bundleInput('model-tampered');
  const id = bundleIdOf(canonicalBundleContent(input));
  const forged = {
    ...canonicalBundleContent(bundleInput('model-forged')),
    bundleId: id,
    registeredAt: 1,
    registeredBy: 'x',
  };
  const producer = k.createIdempotentProducer(rt.kafka);
  await producer.connect();
  await rt.codec.registerSchemas(['bundles']);
  await producer.send({ topic, messages: [{ key: id, value: rt.codec.encode('bundles', forged) }] });
  await producer.disconnect();

  const registry = await open();
  try {
    await assert.rejects(registry.register(input, 'alice'), (e: unknown) => {
      assert.ok(e instanceof BundleRefusedError);
      assert.equal(e.reason, 'id_conflict');
      assert.equal(e.bundleId, id);
      return true;
    });
    assert.equal(registry.get(id)?.modelId, 'model-forged', 'the table is left as it was');
  } finally {
    await registry.stop();
  }
});
