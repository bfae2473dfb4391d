import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import avro from 'avsc';
import { renderTypes, schemasDir } from '../../schemas/generate-types.ts';
import { avroSchemas } from '../../schemas/index.ts';

test('schemas/types.ts is what the .avsc files generate (run npm run schemas:generate)', () => {
  assert.equal(readFileSync(join(schemasDir, 'types.ts'), 'utf8'), renderTypes());
});

test('every schema parses with avsc', () => {
  for (const [name, schema] of Object.entries(avroSchemas)) {
    const type = avro.Type.forSchema(schema as avro.Schema);
    assert.equal(type.name, `backtrack.v1.${name}`);
  }
});

test('telemetry keeps the contract field names of DESIGN.md', () => {
  const type = avro.Type.forSchema(avroSchemas.TelemetryEvent as avro.Schema) as avro.types.RecordType;
  const names = type.fields.map((f) => f.name);
  const contract =
    'eventId timestamp tenantId tenantTier gatewayId sessionId bundleId arm latencyMs timeToFirstTokenMs inputTokens outputTokens costUsd outcome toolCallsAttempted toolCallsSucceeded outputChars refusal retried feedback taskCompleted policyViolation piiScore toxicity';
  assert.deepEqual(names, contract.split(' '));
});
