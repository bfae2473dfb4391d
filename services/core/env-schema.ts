/**
 * zod schemas for environment variables (always strings or absent). Each produces the message format
 * `expected ...`; `loadConfig` prefixes the key and appends what it got.
 */
import { z } from 'zod';

type Env = z.ZodType<unknown, string | undefined>;

function parsed<T>(expected: string, fallback: string | undefined, parse: (raw: string) => T | undefined) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      const value = raw === undefined || raw.trim() === '' ? fallback : raw.trim();
      const out = value === undefined ? undefined : parse(value);
      if (out === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
        return z.NEVER;
      }
      return out;
    });
}

export const envInt = (min: number, max: number, fallback?: number) =>
  parsed(`integer ${min}..${max}`, fallback?.toString(), (s) => {
    const n = /^-?\d+$/.test(s) ? Number(s) : NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  });

export const envString = (fallback?: string) =>
  parsed('a non-empty string', fallback, (s) => (s.length > 0 ? s : undefined));

export const envOptionalString = () =>
  z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()));

export const envBool = (fallback: boolean) =>
  parsed('true or false', String(fallback), (s) => {
    const v = s.toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    return undefined;
  });

export const envEnum = <const T extends string>(values: readonly T[], fallback?: T) =>
  parsed(`one of ${values.join(', ')}`, fallback, (s) => values.find((v) => v === s.toLowerCase()));

export const envOptionalEnum = <const T extends string>(values: readonly T[]) =>
  parsed<T | null>(`one of ${values.join(', ')}`, '', (s) =>
    s === '' ? null : values.find((v) => v === s.toLowerCase()),
  );

export const envUrl = (fallback?: string) =>
  parsed('an http(s) URL', fallback, (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:' ? s.replace(/\/+$/, '') : undefined;
    } catch {
      return undefined;
    }
  });

/** Comma-separated `host:port` list. */
export const envHostPorts = (fallback?: string) =>
  parsed('a comma-separated list of host:port', fallback, (s) => {
    const list = s.split(',').map((x) => x.trim());
    const ok = list.every((hp) => /^[^\s:,]+:\d{1,5}$/.test(hp) && Number(hp.split(':').at(-1)) <= 65535);
    return ok && list.length > 0 ? list : undefined;
  });

export type { Env };
