/**
 * Time arguments: an ISO 8601 time, epoch ms, or a duration before now (`90s`, `15m`, `2h`, `7d`).
 */
import { InvalidArgumentError } from 'commander';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** epoch ms of `text`; `nowMs` anchors relative durations. Throws InvalidArgumentError. */
export function parseTime(text: string, nowMs = Date.now()): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const rel = /^(\d+(?:\.\d+)?)([smhd])$/.exec(t);
  if (rel) return Math.round(nowMs - Number(rel[1]) * (UNIT_MS[rel[2] ?? 's'] ?? 1_000));
  const ms = /^\d{4}-\d{2}-\d{2}/.test(t) ? Date.parse(t) : NaN;
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected an ISO time, epoch ms, or a duration ago (15m, 2h, 7d)');
  return ms;
}

/** commander argument parser for a time. */
export const timeArg = (value: string): number => parseTime(value);

export const iso = (ms: number | null | undefined): string => (ms == null ? '-' : new Date(ms).toISOString());
