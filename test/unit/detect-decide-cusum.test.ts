import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CUSUM_ZERO, cusumStep, type CusumState } from '../../services/detect/decide/cusum.ts';
import { EWMA_EMPTY, ewmaStep, type EwmaState } from '../../services/detect/decide/ewma.ts';

const params = { k: 0.5, h: 5 };
const xs = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 200 });

function run(values: readonly number[]): { alarms: string[]; states: CusumState[]; stats: number[] } {
  let state = CUSUM_ZERO;
  const alarms: string[] = [];
  const states: CusumState[] = [];
  const stats: number[] = [];
  for (const x of values) {
    const step = cusumStep(state, x, params);
    alarms.push(step.alarm);
    stats.push(step.statistic);
    state = step.state;
    states.push(state);
  }
  return { alarms, states, stats };
}

describe('two-sided CUSUM', () => {
  test('a sustained +1σ shift alarms up after (h / (1 - k)) + 1 observations and resets', () => {
    const { alarms, states, stats } = run(Array(8).fill(1.5));
    assert.deepEqual(alarms.slice(0, 6), ['none', 'none', 'none', 'none', 'none', 'up']);
    assert.equal(stats[5], 6);
    assert.deepEqual(states[5], CUSUM_ZERO);
    assert.equal(alarms[6], 'none');
  });

  test('a downward shift alarms down with a negative statistic', () => {
    const { alarms, stats } = run(Array(6).fill(-1.5));
    assert.equal(alarms[5], 'down');
    assert.equal(stats[5], -6);
  });

  test('observations within ±k never accumulate', () => {
    const { states } = run([0.5, -0.5, 0.4, -0.2, 0]);
    for (const s of states) assert.deepEqual(s, CUSUM_ZERO);
  });

  test('property: sums stay in [0, h] between alarms and an alarm means a side exceeded h', () => {
    fc.assert(
      fc.property(xs, (values) => {
        let state = CUSUM_ZERO;
        for (const x of values) {
          const step = cusumStep(state, x, params);
          const hi = Math.max(0, state.hi + x - params.k);
          const lo = Math.max(0, state.lo - x - params.k);
          assert.equal(step.alarm !== 'none', hi > params.h || lo > params.h);
          if (step.alarm === 'none') {
            assert.ok(
              step.state.hi >= 0 &&
                step.state.hi <= params.h &&
                step.state.lo >= 0 &&
                step.state.lo <= params.h,
            );
          } else assert.deepEqual(step.state, CUSUM_ZERO);
          state = step.state;
        }
      }),
    );
  });

  test('property: negating the stream mirrors the alarms and the statistic', () => {
    fc.assert(
      fc.property(xs, (values) => {
        const a = run(values);
        const b = run(values.map((x) => -x));
        const mirror = { up: 'down', down: 'up', none: 'none' } as Record<string, string>;
        assert.deepEqual(
          b.alarms,
          a.alarms.map((x) => mirror[x]),
        );
        a.stats.forEach((s, i) => {
          if (s !== 0) assert.equal(b.stats[i], -s);
        });
      }),
    );
  });
});

describe('EWMA z-score', () => {
  const ep = { lambda: 0.2, zThreshold: 4, warmup: 3 };
  const runEwma = (values: readonly number[]) => {
    let state: EwmaState = EWMA_EMPTY;
    return values.map((x) => {
      const step = ewmaStep(state, x, ep);
      state = step.state;
      return step;
    });
  };

  test('the first observation seeds the mean with no variance and z = 0', () => {
    const [first] = runEwma([7]);
    assert.deepEqual(first!.state, { mean: 7, variance: 0, n: 1 });
    assert.equal(first!.z, 0);
  });

  test('a jump after a noisy warm-up alarms in its direction', () => {
    const steps = runEwma([1, -1, 1, -1, 1, -1, 1, -1, 12]);
    assert.equal(steps.at(-1)!.alarm, 'up');
    assert.ok(steps.at(-1)!.z > 4);
    const down = runEwma([1, -1, 1, -1, 1, -1, 1, -1, -12]);
    assert.equal(down.at(-1)!.alarm, 'down');
  });

  test('no z before warm-up', () => {
    const steps = runEwma([0, 1, 100]);
    assert.equal(steps[2]!.z, 0);
    assert.equal(steps[2]!.alarm, 'none');
  });

  test('property: mean stays within the observed range, variance >= 0, constant streams have z = 0', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 100 }),
        (values) => {
          const steps = runEwma(values);
          const [lo, hi] = [Math.min(...values), Math.max(...values)];
          for (const s of steps) {
            assert.ok(s.state.mean >= lo - 1e-9 && s.state.mean <= hi + 1e-9);
            assert.ok(s.state.variance >= 0);
          }
          for (const s of runEwma(values.map(() => values[0]!))) assert.equal(s.z, 0);
        },
      ),
    );
  });

  test('property: z is invariant to shifting and positive scaling of the stream', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -10_000, max: 10_000 }).map((i) => i / 100),
          { minLength: 2, maxLength: 60 },
        ),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (values, shift, scale) => {
          const a = runEwma(values);
          const b = runEwma(values.map((x) => x * scale + shift));
          a.forEach((s, i) => {
            const zb = b[i]!.z;
            if (Math.abs(s.z) > 1e-6 && Math.abs(s.z) < 1e6)
              assert.ok(Math.abs(zb - s.z) <= 1e-6 * Math.max(1, Math.abs(s.z)));
          });
        },
      ),
    );
  });
});
