import type { BaselineSource } from '../../../schemas/types.ts';

/** "concurrent stable", "pooled pro stable", "own history". */
export function baselineLabel(source: BaselineSource, tier: string): string {
  if (source === 'tier_pooled') return `pooled ${tier} stable`;
  return source === 'own_history' ? 'own history' : 'concurrent stable';
}

/** A value with its unit, rounded for people: 1830 ms, 0.0123 USD, 7.1 %, 0.71. */
export function formatValue(value: number, unit: string): string {
  if (unit === '%') return `${(value * 100).toFixed(1)} %`;
  if (unit === 'USD') return `${Number(value.toPrecision(3))} USD`;
  if (unit === 'score') return value.toFixed(2);
  return `${Math.round(value)} ${unit}`;
}

/** +42 %, -8 % */
export function formatChange(ratio: number): string {
  const pct = Math.round((ratio - 1) * 100);
  return `${pct >= 0 ? '+' : ''}${pct} %`;
}

/** +5.9 pp */
export function formatPoints(diff: number): string {
  const pp = (diff * 100).toFixed(1);
  return `${diff >= 0 ? '+' : ''}${pp} pp`;
}

export function formatSigned(x: number, digits = 2): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
}

export function samples(c: number, b: number): string {
  return `n=${Math.round(c)}/${Math.round(b)}`;
}
