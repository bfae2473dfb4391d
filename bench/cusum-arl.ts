/**
 * Monte Carlo run-length calibration of services/detect/decide/cusum.ts on seeded N(0,1) streams, against
 * Lucas & Crosier (1982), k = 0.5, no head start: one-sided ARL0 336 (h=4) / 930 (h=5); two-sided (two
 * one-sided schemes) ARL0 168 / 465; ARL1 at a +1σ shift 8.38 / 10.4.
 *
 *   npx tsx bench/cusum-arl.ts [runs]       (default 40000 runs per figure; exit code 1 on a fail)
 *
 * The one-sided figure runs the same `cusumStep` with the lower sum cleared before every step and only
 * upper alarms counted; that is exactly the one-sided scheme (a lower alarm needs x < -(h+k), which would
 * drive the upper sum to 0 anyway, and the reset does just that).
 */
import { cusumStep, CUSUM_ZERO, type CusumState } from '../services/detect/decide/cusum.ts';

/** sfc32 seeded through splitmix32: a small seeded uniform generator (none among our dependencies). */
function uniform(seed: number): () => number {
  let sm = seed >>> 0;
  const split = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let [a, b, c, d] = [split(), split(), split(), split()];
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Box–Muller, both deviates used. */
function normal(seed: number): () => number {
  const u = uniform(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

interface Figure {
  readonly label: string;
  readonly h: number;
  readonly shift: number;
  readonly sides: 1 | 2;
  readonly published: number;
  /** half the last published digit */
  readonly rounding: number;
}

const FIGURES: readonly Figure[] = [
  { label: 'ARL0 one-sided', h: 4, shift: 0, sides: 1, published: 336, rounding: 0.5 },
  { label: 'ARL0 two-sided', h: 4, shift: 0, sides: 2, published: 168, rounding: 0.5 },
  { label: 'ARL1 +1σ two-sided', h: 4, shift: 1, sides: 2, published: 8.38, rounding: 0.005 },
  { label: 'ARL0 one-sided', h: 5, shift: 0, sides: 1, published: 930, rounding: 0.5 },
  { label: 'ARL0 two-sided', h: 5, shift: 0, sides: 2, published: 465, rounding: 0.5 },
  { label: 'ARL1 +1σ two-sided', h: 5, shift: 1, sides: 2, published: 10.4, rounding: 0.05 },
];

function runLength(next: () => number, f: Figure): number {
  const params = { k: 0.5, h: f.h };
  let state: CusumState = CUSUM_ZERO;
  for (let n = 1; ; n++) {
    const step = cusumStep(f.sides === 1 ? { hi: state.hi, lo: 0 } : state, next() + f.shift, params);
    if (step.alarm === 'up' || (f.sides === 2 && step.alarm === 'down')) return n;
    state = step.state;
  }
}

function measure(f: Figure, runs: number, seed: number): { mean: number; se: number } {
  const next = normal(seed);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < runs; i++) {
    const n = runLength(next, f);
    sum += n;
    sumSq += n * n;
  }
  const mean = sum / runs;
  const variance = (sumSq - runs * mean * mean) / (runs - 1);
  return { mean, se: Math.sqrt(variance / runs) };
}

const runs = Number(process.argv[2] ?? 40_000);
const rows: string[] = [
  `CUSUM run lengths, k = 0.5, ${runs} seeded runs per figure; pass = |MC − published| ≤ 3 SE + rounding`,
  '',
  '| h | figure | published (Lucas & Crosier 1982) | Monte Carlo mean ± SE | pass |',
  '| --- | --- | --- | --- | --- |',
];
let failed = 0;
FIGURES.forEach((f, i) => {
  const { mean, se } = measure(f, runs, 1000 + i);
  const pass = Math.abs(mean - f.published) <= 3 * se + f.rounding;
  if (!pass) failed++;
  const digits = f.published < 20 ? 2 : 1;
  rows.push(
    `| ${f.h} | ${f.label} | ${f.published} | ${mean.toFixed(digits)} ± ${se.toFixed(digits)} | ${pass ? 'pass' : 'FAIL'} |`,
  );
});
console.log(rows.join('\n'));
process.exitCode = failed > 0 ? 1 : 0;
