import { readFileSync } from 'node:fs';
import { parsePolicy } from './parse.ts';
import type { Policy } from './schema.ts';

const DEFAULT_POLICY_URL = new URL('./default-policy.yaml', import.meta.url);
let cached: string | undefined;

/** The text of the product seed policy (default-policy.yaml beside this file); read once. */
export function defaultPolicyText(): string {
  cached ??= readFileSync(DEFAULT_POLICY_URL, 'utf8');
  return cached;
}

/**
 * The product seed policy, freshly parsed (callers may mutate their copy). The one read of
 * default-policy.yaml happens here, at configuration time, never inside the detectors.
 */
export function defaultPolicy(): Policy {
  return parsePolicy(defaultPolicyText(), 'default-policy.yaml');
}
