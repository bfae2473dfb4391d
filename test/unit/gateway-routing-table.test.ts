import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { RoutingCommand } from '../../schemas/types.ts';
import { judgeRouting, RoutingTable } from '../../services/gateway/routing-table.ts';
import { routingCommand } from './gateway-fixtures.ts';

const cmd = (tenantId: string, epoch: number, commandId = `${tenantId}:${epoch}`): RoutingCommand =>
  routingCommand({ tenantId, epoch, commandId, percent: epoch, withCandidate: true, arm: 'canary' });

describe('judgeRouting', () => {
  test('a first command, or a higher epoch, is applied', () => {
    assert.equal(judgeRouting(undefined, cmd('a', 3)), 'applied');
    assert.equal(judgeRouting(cmd('a', 3), cmd('a', 4)), 'applied');
  });

  test('a lower epoch is stale', () => {
    assert.equal(judgeRouting(cmd('a', 3), cmd('a', 2)), 'stale');
  });

  test('the same epoch is a duplicate with the same commandId, a conflict with another', () => {
    assert.equal(judgeRouting(cmd('a', 3), cmd('a', 3)), 'duplicate');
    assert.equal(judgeRouting(cmd('a', 3), cmd('a', 3, 'other')), 'conflict');
  });
});

describe('RoutingTable', () => {
  test('ignores a stale epoch written after a newer one and keeps the newer command', () => {
    const table = new RoutingTable();
    assert.equal(table.apply(cmd('a', 1)).verdict, 'applied');
    const second = table.apply(cmd('a', 2));
    assert.deepEqual([second.verdict, second.previous?.epoch], ['applied', 1]);
    assert.equal(table.apply(cmd('a', 1)).verdict, 'stale');
    assert.equal(table.get('a')?.epoch, 2);
    assert.deepEqual(table.counts(), { applied: 2, duplicate: 0, stale: 1, conflict: 0 });
  });

  test('tenants are independent', () => {
    const table = new RoutingTable();
    table.apply(cmd('a', 5));
    assert.equal(table.apply(cmd('b', 1)).verdict, 'applied');
    assert.deepEqual([table.get('a')?.epoch, table.get('b')?.epoch, table.size], [5, 1, 2]);
  });

  test('after a tombstone, the next command is accepted whatever its epoch', () => {
    const table = new RoutingTable();
    table.apply(cmd('a', 5));
    assert.equal(table.remove('a')?.epoch, 5);
    assert.equal(table.get('a'), undefined);
    assert.equal(table.apply(cmd('a', 1)).verdict, 'applied');
  });

  test('whatever the arrival order, the table ends on the highest epoch and applies only new maxima', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 60 }), (epochs) => {
        const table = new RoutingTable();
        let max = 0;
        let maxima = 0;
        for (const e of epochs) {
          const { verdict } = table.apply(cmd('t', e));
          assert.equal(verdict === 'applied', e > max);
          if (e > max) maxima++;
          max = Math.max(max, e);
        }
        assert.equal(table.get('t')?.epoch, Math.max(...epochs));
        const c = table.counts();
        assert.equal(c.applied, maxima);
        assert.equal(c.applied + c.stale + c.duplicate, epochs.length);
      }),
    );
  });
});
