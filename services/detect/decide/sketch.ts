import { DDSketch } from '@datadog/sketches-js';

/** A decoded latency sketch (ms); `count` is the number of values it holds. */
export type Sketch = DDSketch;

const CACHE_LIMIT = 8192;
const cache = new Map<string, Sketch | null>();

function fromBase64(proto: string): Sketch | null {
  if (proto.length === 0) return null;
  const sketch = DDSketch.fromProto(Buffer.from(proto, 'base64')) as Sketch;
  return sketch.count > 0 ? sketch : null;
}

/**
 * Decodes a base64 DDSketch protobuf; null when empty. The result is shared through a bounded memo (the
 * library re-resolves its protobuf module on every decode) and must not be mutated.
 */
export function decodeSketch(proto: string): Sketch | null {
  const hit = cache.get(proto);
  if (hit !== undefined) return hit;
  const sketch = fromBase64(proto);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(proto, sketch);
  return sketch;
}

/** Merges base64 sketches; a single one comes back shared (read-only), several into a fresh sketch. */
export function mergeEncoded(protos: readonly string[]): Sketch | null {
  const present = protos.filter((p) => decodeSketch(p) !== null);
  if (present.length <= 1) return present[0] === undefined ? null : decodeSketch(present[0]);
  const merged = fromBase64(present[0]!)!;
  for (const p of present.slice(1)) merged.merge(decodeSketch(p)!);
  return merged;
}

export function quantileOf(sketch: Sketch | null, q: number): number {
  if (!sketch || sketch.count === 0) return 0;
  const v = sketch.getValueAtQuantile(q);
  return Number.isFinite(v) ? v : 0;
}

/**
 * Number of values of `sketch` above `value`, at the sketch's resolution: the bin holding `value` counts
 * half. Reads the store's public bins (the library has no rank query).
 */
export function countAbove(sketch: Sketch, value: number): number {
  if (value < 0) return sketch.count;
  if (value <= sketch.mapping.minPossible) return sketch.store.count;
  const key = sketch.mapping.key(value);
  const { bins, offset } = sketch.store;
  let above = 0;
  for (let i = 0; i < bins.length; i++) {
    const k = i + offset;
    const weight = bins[i] ?? 0;
    if (k > key) above += weight;
    else if (k === key) above += weight / 2;
  }
  return above;
}

/** A sketch of the given values (tests, fixtures, benches). */
export function sketchOf(values: readonly number[]): Sketch {
  const s = new DDSketch({ relativeAccuracy: 0.01 });
  for (const v of values) s.accept(v);
  return s;
}
