import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetriable } from '../../services/core/errors.ts';
import { bundleIdOf, canonicalBundleContent } from '../../services/registry/bundle-content.ts';
import { BundleRefusedError, InvalidBundleError } from '../../services/registry/registry-errors.ts';
import { changedIdRefusal } from '../../services/registry/service.ts';
import { bundleInput } from '../../services/reversion/testing/fixtures.ts';

const input = bundleInput('model-a');
const id = bundleIdOf(canonicalBundleContent(input));

test('an input stating its own id, or none, is not refused', () => {
  assert.equal(changedIdRefusal(input), undefined);
  assert.equal(changedIdRefusal({ ...input, bundleId: id }), undefined);
  assert.equal(
    changedIdRefusal({ ...input, modelId: '', bundleId: id }),
    undefined,
    'invalid input: left to validation',
  );
});

test('an input stating an id its content does not hash to is refused as id_mismatch', () => {
  const refusal = changedIdRefusal({ ...input, stateVersion: 's8', bundleId: id });
  assert.ok(refusal instanceof BundleRefusedError);
  assert.equal(refusal.reason, 'id_mismatch');
  assert.equal(refusal.bundleId, id);
  assert.match(
    refusal.message,
    new RegExp(
      `^bundle refused \\(id_mismatch\\): the content hashes to b-[0-9a-f]{16}, not the stated bundleId ${id}`,
    ),
  );
  assert.equal(isRetriable(refusal), false);
});

test('an invalid bundle names every bad field in its message', () => {
  const e = new InvalidBundleError([
    { field: 'modelId', message: 'must be a non-empty string' },
    { field: 'config', message: 'is not valid JSON' },
  ]);
  assert.equal(e.message, 'invalid bundle: modelId: must be a non-empty string; config: is not valid JSON');
  assert.equal(e.name, 'InvalidBundleError');
  assert.equal(isRetriable(e), false);
});
