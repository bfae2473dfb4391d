import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readmeWithDiagram } from '../../topology/diagram.ts';

test('README.md shows the current topology diagram (npm run topology -- diagram --readme)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.equal(readme, readmeWithDiagram(readme));
});
