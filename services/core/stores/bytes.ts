/** Byte-order helpers shared by the store implementations. */
import { ProgrammerError } from '../errors.ts';
import type { KeyRange } from './key-value-store.ts';

/** A string whose code units are the key's bytes: compares (<, >) in byte order, usable as a Map key. */
export const keyString = (key: Buffer): string => key.toString('latin1');

export const keyBuffer = (key: string): Buffer => Buffer.from(key, 'latin1');

export function inRange(key: string, range: KeyRange | undefined): boolean {
  if (range?.gte !== undefined && key < keyString(range.gte)) return false;
  if (range?.lt !== undefined && key >= keyString(range.lt)) return false;
  return true;
}

export const copy = (b: Buffer): Buffer => Buffer.from(b);

/** Keys are non-empty (RocksDB, via abstract-leveldown, refuses an empty key). */
export function checkKey(key: Buffer): void {
  if (key.length === 0) throw new ProgrammerError('store keys must be non-empty');
}

/** The range of every key starting with `prefix`. */
export function prefixRange(prefix: Buffer): KeyRange {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] !== 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return { gte: prefix, lt: end.subarray(0, i + 1) };
    }
  }
  return { gte: prefix };
}
