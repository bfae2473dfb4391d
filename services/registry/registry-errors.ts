/**
 * Why a registration was not accepted, as typed errors for the registry's callers (CLI, console,
 * demo). Neither is retriable: the same input gets the same answer.
 */
import { BacktrackError } from '../core/errors.ts';
import type { InputIssue } from './bundle-content.ts';
import type { RefusalReason } from './register-bundle.ts';

/** The input is not a bundle; `issues` name each bad field. */
export class InvalidBundleError extends BacktrackError {
  readonly retriable = false;
  constructor(readonly issues: readonly InputIssue[]) {
    super(`invalid bundle: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

/**
 * A well-formed registration that contradicts the table: `id_conflict` (the id already holds other
 * content), `unknown_parent`, or `id_mismatch` (the input states a bundleId its content does not hash to:
 * a bundle's content cannot be changed under its id).
 */
export type BundleRefusal = RefusalReason | 'id_mismatch';

export class BundleRefusedError extends BacktrackError {
  readonly retriable = false;
  constructor(
    readonly reason: BundleRefusal,
    readonly bundleId: string,
    message: string,
  ) {
    super(`bundle refused (${reason}): ${message}`);
  }
}
