import type { RolloutState } from './state.ts';

/** A rollout state that cannot be decoded. Not retriable: the bytes will not change. */
export class RolloutStateDecodeError extends Error {
  readonly retriable = false;
  override readonly name = 'RolloutStateDecodeError';
}

/**
 * UTF-8 JSON of the state; the state holds only JSON data, so decode(encode(s)) deep-equals the JSON form
 * of s (s itself when no arm in it is live) and encodes to the same bytes.
 */
export function encodeRolloutState(state: RolloutState): Buffer {
  return Buffer.from(JSON.stringify(state), 'utf8');
}

export function decodeRolloutState(bytes: Buffer): RolloutState {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new RolloutStateDecodeError('rollout state is not JSON', { cause });
  }
  const s = value as Partial<RolloutState> | null;
  if (!s || s.v !== 1 || typeof s.rolloutId !== 'string' || typeof s.tenants !== 'object') {
    throw new RolloutStateDecodeError('not a version 1 rollout state');
  }
  return s as RolloutState;
}
