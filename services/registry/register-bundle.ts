/**
 * Registration of a bundle against the current bundles table (the compacted `deploy.bundles.v1`).
 * Pure: the caller passes the table and the time, and publishes `bundle` when the verdict is `created`.
 */
import type { Bundle } from '../../schemas/types.ts';
import { canonicalJson } from './canonical-json.ts';
import { bundleIdOf, contentOf, parseBundleContent, type InputIssue } from './bundle-content.ts';

/** Why a well-formed registration is refused; nothing is written. */
export type RefusalReason = 'unknown_parent' | 'id_conflict';

/**
 * - `created`: a new bundle, to publish.
 * - `exists`: the same content is already registered; `bundle` is the stored one (a retry is a no-op).
 * - `refused`: the registration would contradict the table.
 * - `invalid`: the input fails validation; `issues` name the fields.
 */
export type RegisterVerdict =
  | { verdict: 'created'; bundle: Bundle }
  | { verdict: 'exists'; bundle: Bundle }
  | { verdict: 'refused'; reason: RefusalReason; bundleId: string; message: string }
  | { verdict: 'invalid'; issues: InputIssue[]; message: string };

/**
 * Registers a bundle. `actor` is who registers it; `nowMs` (epoch ms) becomes `registeredAt`.
 * A bundle whose `parentBundleId` is not in the table is refused, and so is any content that would
 * land on an id already holding different content (hash collision or a tampered table).
 */
export function registerBundle(
  table: ReadonlyMap<string, Bundle>,
  input: unknown,
  actor: string,
  nowMs: number,
): RegisterVerdict {
  const checked = parseBundleContent(input);
  if (!checked.ok) return { verdict: 'invalid', issues: checked.issues, message: checked.message };
  const meta: InputIssue[] = [];
  if (actor.trim() === '') meta.push({ field: 'actor', message: 'must be a non-empty string' });
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) meta.push({ field: 'nowMs', message: 'must be epoch ms' });
  if (meta.length > 0) {
    return {
      verdict: 'invalid',
      issues: meta,
      message: meta.map((i) => `${i.field}: ${i.message}`).join('; '),
    };
  }

  const content = checked.content;
  const bundleId = bundleIdOf(content);
  const existing = table.get(bundleId);
  if (existing !== undefined) {
    if (canonicalJson(contentOf(existing)) === canonicalJson(content))
      return { verdict: 'exists', bundle: existing };
    return {
      verdict: 'refused',
      reason: 'id_conflict',
      bundleId,
      message: `bundle ${bundleId} is already registered with different content (hash collision or tampered table)`,
    };
  }
  if (content.parentBundleId !== null && !table.has(content.parentBundleId)) {
    return {
      verdict: 'refused',
      reason: 'unknown_parent',
      bundleId,
      message: `parentBundleId ${content.parentBundleId} is not a registered bundle`,
    };
  }
  return { verdict: 'created', bundle: { bundleId, ...content, registeredAt: nowMs, registeredBy: actor } };
}
