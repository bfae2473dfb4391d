import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WindowProgress } from '../../services/trigger/window-progress.ts';

describe('window progress', () => {
  test('before any decided window, every named tenant must have delivered', () => {
    const p = new WindowProgress();
    assert.equal(
      p.isComplete(5_000, () => ['a', 'b']),
      false,
      'nothing delivered',
    );
    p.observe('a', 5_000);
    assert.equal(
      p.isComplete(5_000, () => ['a', 'b']),
      false,
      'b not yet',
    );
    p.observe('b', 10_000);
    assert.equal(
      p.isComplete(5_000, () => ['a', 'b']),
      true,
      'b is past the window',
    );
    assert.equal(
      p.isComplete(10_000, () => ['a', 'b']),
      false,
      'a has not delivered 10 000',
    );
  });

  test('an end-of-traffic marker completes its window and the tenant is not awaited after it', () => {
    const p = new WindowProgress();
    p.observe('a', 5_000);
    p.observe('b', 5_000);
    p.decided(5_000);
    p.observe('a', 10_000);
    assert.equal(
      p.isComplete(10_000, () => []),
      false,
      'b delivered 5 000: awaited',
    );
    p.ended('b', 10_000);
    assert.equal(
      p.isComplete(10_000, () => []),
      true,
      "b's marker counts as delivered",
    );
    p.decided(10_000);
    p.observe('a', 15_000);
    assert.equal(
      p.isComplete(15_000, () => []),
      true,
      'b ended with 10 000: not awaited',
    );
    p.decided(15_000);
    p.observe('b', 20_000);
    p.observe('a', 20_000);
    p.decided(20_000);
    p.observe('a', 25_000);
    assert.equal(
      p.isComplete(25_000, () => []),
      false,
      'b delivered again (20 000): awaited again',
    );
  });

  test('after a decided window, only the tenants that delivered it are awaited', () => {
    const p = new WindowProgress();
    p.observe('a', 5_000);
    p.observe('b', 5_000);
    p.decided(5_000);
    p.observe('a', 10_000);
    assert.equal(
      p.isComplete(10_000, () => ['a', 'b', 'never']),
      false,
      'b delivered 5 000: awaited',
    );
    p.observe('b', 10_000);
    assert.equal(
      p.isComplete(10_000, () => ['a', 'b', 'never']),
      true,
      'named tenants no longer matter',
    );
    p.observe('a', 15_000);
    p.decided(15_000);
    assert.equal(
      p.isComplete(20_000, () => []),
      false,
      'a is awaited for 20 000',
    );
    p.observe('a', 20_000);
    assert.equal(
      p.isComplete(20_000, () => []),
      true,
      'b missed 15 000: no longer awaited',
    );
    p.observe('b', 25_000);
    assert.equal(
      p.isComplete(25_000, () => []),
      false,
      'b is awaited again once it delivers',
    );
  });

  test('a delivered later window shows the tenant is past an earlier one', () => {
    const p = new WindowProgress();
    p.observe('a', 30_000);
    p.decided(5_000);
    assert.equal(
      p.isComplete(10_000, () => []),
      true,
    );
    assert.equal(
      p.isComplete(35_000, () => []),
      false,
    );
  });
});
