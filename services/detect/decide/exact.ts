import { gammaln, probit } from 'simple-statistics';
import { Z_CAP } from './stats.ts';

/** gammaln of whole numbers below this is remembered (the same value gammaln returns, computed once). */
const MEMO_LIMIT = 1 << 20;
let memo = new Float64Array(0);

function lnGamma(x: number): number {
  if (!(x >= 0 && x < MEMO_LIMIT && Number.isInteger(x))) return gammaln(x);
  if (x >= memo.length) {
    const grown = new Float64Array(Math.min(MEMO_LIMIT, Math.max(1024, 2 * x))).fill(NaN);
    grown.set(memo);
    memo = grown;
  }
  let v = memo[x]!;
  if (Number.isNaN(v)) {
    v = gammaln(x);
    memo[x] = v;
  }
  return v;
}

const lnChoose = (n: number, k: number): number => lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);

/** Below this tail probability simple-statistics' probit loses precision; the Mills-ratio inversion takes over. */
const PROBIT_FLOOR = 1e-10;

/** The standard normal deviate z with upper tail probability p (0 for p >= 0.5), at most Z_CAP. */
export function zFromUpperTail(p: number): number {
  if (!(p < 0.5)) return 0;
  if (p >= PROBIT_FLOOR) return Math.min(Z_CAP, -probit(p));
  const lnP = Math.log(Math.max(p, Number.MIN_VALUE));
  let z = Math.sqrt(-2 * lnP);
  for (let i = 0; i < 4; i++) z = Math.sqrt(Math.max(0, -2 * (lnP + Math.log(z * Math.sqrt(2 * Math.PI)))));
  return Math.min(Z_CAP, z);
}

/** The log terms of the tail being summed, kept between calls (each is computed once per call). */
let scratch = new Float64Array(256);

function scratchOf(length: number): Float64Array {
  if (scratch.length < length) scratch = new Float64Array(Math.max(length, 2 * scratch.length));
  return scratch;
}

/**
 * Fisher's exact test as a signed z: `x` successes among `n` drawn from `N` items of which `K` are
 * successes (hypergeometric). The tail on the side of the observed deviation, including x, is converted
 * to z; + when x is above its expectation n·K/N. Written here: simple-statistics has no hypergeometric.
 */
export function hypergeometricZ(x: number, n: number, K: number, N: number): number {
  if (N <= 0 || n <= 0 || K <= 0 || K >= N || n >= N) return 0;
  const mean = (n * K) / N;
  if (x === mean) return 0;
  const upper = x > mean;
  const from = upper ? x : Math.max(0, n - (N - K));
  const to = upper ? Math.min(n, K) : x;
  const terms = scratchOf(to - from + 1);
  let top = -Infinity;
  for (let i = from; i <= to; i++) {
    const term = lnChoose(K, i) + lnChoose(N - K, n - i);
    terms[i - from] = term;
    top = Math.max(top, term);
  }
  let sum = 0;
  for (let i = from; i <= to; i++) sum += Math.exp(terms[i - from]! - top);
  const p = Math.min(1, Math.exp(top + Math.log(sum) - lnChoose(N, n)));
  const z = zFromUpperTail(p);
  return upper ? z : -z;
}
