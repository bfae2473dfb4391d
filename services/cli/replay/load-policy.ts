/**
 * The policy of a command: a YAML file validated by services/detect/policy, or the built-in one.
 */
import { readFileSync } from 'node:fs';
import { defaultPolicy, parsePolicy, PolicyError, type Policy } from '../../detect/policy/index.ts';
import { ContentError, FileError } from '../errors.ts';

/** Reads and validates `path`; the built-in policy when absent. */
export function loadPolicy(path: string | undefined): Policy {
  if (path === undefined) return defaultPolicy();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FileError(path, err);
  }
  try {
    return parsePolicy(text, path);
  } catch (err) {
    if (err instanceof PolicyError) throw new ContentError(`invalid policy: ${err.message}`, { cause: err });
    throw err;
  }
}
