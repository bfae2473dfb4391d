/** Reads a file the user named; any failure is a FileError naming the path. */
import { readFileSync } from 'node:fs';
import { FileError } from '../errors.ts';

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new FileError(path, err);
  }
}
