/**
 * The policy of a command: a YAML file validated by services/detect/policy, or the built-in one.
 */
import { defaultPolicy, parsePolicy, PolicyError, type Policy } from '../../detect/policy/index.ts';
import { ContentError } from '../errors.ts';
import { readText } from '../io/read-text.ts';

/** Reads and validates `path`; the built-in policy when absent. */
export function loadPolicy(path: string | undefined): Policy {
  if (path === undefined) return defaultPolicy();
  const text = readText(path);
  try {
    return parsePolicy(text, path);
  } catch (err) {
    if (err instanceof PolicyError) throw new ContentError(`invalid policy: ${err.message}`, { cause: err });
    throw err;
  }
}
