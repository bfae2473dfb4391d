/** Parsers of option values shared by the commands (commander calls them; a throw is a usage error). */
import { InvalidArgumentError } from 'commander';

/** A comma-separated (or repeated) option, as a list without blanks. */
export const listArg = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];

/** A duration in whole milliseconds, at least 1. */
export const msArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected ms >= 1');
  return n;
};
