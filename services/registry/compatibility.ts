/**
 * Compatibility rules a revert target must pass before reversion routes a tenant to it.
 *
 * Tool contract rule: a tool schema version is `MAJOR[.MINOR[.PATCH]]` with an optional leading `v`,
 * and a `-pre`/`+build` suffix after a full `MAJOR.MINOR.PATCH` ("3", "v3", "3.2", "v3.2.0-rc.1"). Two versions are compatible
 * when their MAJOR numbers are equal. A version that does not parse is compatible only with the exact
 * same string, so an unknown scheme asks a human instead of guessing.
 */
import type { Bundle } from '../../schemas/types.ts';

const VERSION = /^v?(\d+)(?:\.\d+(?:\.\d+(?:[-+][0-9A-Za-z.+-]+)?)?)?$/;

/** MAJOR of a tool schema version, or null when it does not follow the rule above. */
export function toolSchemaMajor(version: string): number | null {
  const m = VERSION.exec(version.trim());
  return m?.[1] === undefined ? null : Number(m[1]);
}

export type ToolContractCheck = { compatible: true } | { compatible: false; reason: string };

/** Whether a bundle on tool schema `target` can serve a tenant whose live tool contract is `current`. */
export function checkToolContract(target: string, current: string): ToolContractCheck {
  if (target === current) return { compatible: true };
  const a = toolSchemaMajor(target);
  const b = toolSchemaMajor(current);
  if (a === null || b === null) {
    return {
      compatible: false,
      reason: `tool schema ${target} vs ${current}: unversioned schemes must match exactly`,
    };
  }
  if (a !== b)
    return { compatible: false, reason: `tool schema major ${a} (${target}) differs from ${b} (${current})` };
  return { compatible: true };
}

/** Whether the bundle declares support for the tenant tier (exact match, case-sensitive). */
export function isTierSupported(bundle: Pick<Bundle, 'supportedTiers'>, tier: string): boolean {
  return bundle.supportedTiers.includes(tier);
}
