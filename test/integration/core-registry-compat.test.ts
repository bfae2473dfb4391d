import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { avroSchemas } from '../../schemas/index.ts';
import { RegistryRefusedError } from '../../services/core/registry-http.ts';
import { valueSubject } from '../../services/core/topic-bindings.ts';
import avsc from 'avsc';
import { Codec } from '../../services/core/codec.ts';
import { telemetryEvent, testRuntime, uniqueName } from './helpers.ts';

const topic = uniqueName('telemetry');
const subject = valueSubject(topic);
const rt = testRuntime('registry-compat', { telemetry: topic });
after(() => rt.codec.http.deleteSubject(subject));

type Field = { name: string; type: unknown; default?: unknown };
const base = avroSchemas.TelemetryEvent as { fields: Field[] };
const withField = (field: Field): object => ({ ...base, fields: [...base.fields, field] });

test('the registry refuses a BACKWARD-incompatible change of a registered subject and accepts a compatible one', async () => {
  const ids = await rt.codec.registerSchemas(['telemetry']);
  assert.ok((ids.get('telemetry') ?? 0) > 0);
  assert.equal(await rt.codec.http.compatibility(subject), 'BACKWARD', 'set on the subject itself');

  const breaking = withField({ name: 'region', type: 'string' });
  assert.equal(await rt.codec.http.isCompatible(subject, breaking), false);
  const refusal = await rt.codec.registry
    .register(
      { type: SchemaType.AVRO, schema: JSON.stringify(breaking) },
      { subject, compatibility: COMPATIBILITY.BACKWARD },
    )
    .then(
      () => undefined,
      (e: unknown) => e as { status?: number; message: string },
    );
  assert.ok(refusal !== undefined, 'an incompatible schema was accepted');
  assert.equal(refusal.status, 409);
  assert.match(refusal.message, /incompatible/i);

  const compatible = withField({ name: 'region', type: ['null', 'string'], default: null });
  assert.equal(await rt.codec.http.isCompatible(subject, compatible), true);
  const { id } = await rt.codec.registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(compatible) },
    { subject, compatibility: COMPATIBILITY.BACKWARD },
  );
  assert.notEqual(id, ids.get('telemetry'));

  const event = telemetryEvent(3);
  const body = avsc.Type.forSchema(compatible as avsc.Schema).toBuffer({ ...event, region: 'eu' });
  const wire = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
  wire.writeInt32BE(id, 1);
  const reader = new Codec({ ...rt.config.registry, bindings: rt.bindings });
  assert.deepEqual(
    { ...(await reader.decode('telemetry', wire)) },
    event,
    'a v2 record read with the v1 reader schema',
  );
  await reader.decode('telemetry', wire);
  assert.equal(reader.registryLookups, 1, 'one registry lookup per new schema id');
});

test('an unknown compatibility level is refused with 422, as a non-retriable error', async () => {
  const error = await rt.codec.http.setCompatibility(subject, 'SIDEWAYS' as never).catch((e: unknown) => e);
  assert.ok(error instanceof RegistryRefusedError);
  assert.equal(error.status, 422);
  assert.equal(error.retriable, false);
});
