/**
 * The reversion state as bytes for the store and its changelog: canonical JSON (maps as entry lists
 * sorted by key), so `encode(decode(text)) === text` and `decode(encode(state))` deep-equals `state`.
 */
import { z } from 'zod';
import { canonicalJson } from '../../registry/canonical-json.ts';
import type { ReversionState } from './state.ts';

const FORMAT = 1;
const str = z.string();
const num = z.number();

const evidence = z.object({
  metric: str,
  tenantId: str.nullable(),
  candidate: num,
  baseline: num,
  statistic: num,
  statisticKind: str,
  samplesCandidate: num,
  samplesBaseline: num,
  baselineSource: z.enum(['concurrent', 'tier_pooled', 'own_history']),
});

const decision = z.strictObject({
  decisionId: str,
  rolloutId: str,
  action: z.enum(['pause_onboarding', 'route_back', 'halt_rollout']),
  tenantIds: z.array(str),
  mode: z.enum(['automatic', 'needs_approval']),
  compositeScore: num,
  breadth: num,
  reasons: z.array(str),
  evidence: z.array(evidence),
  decidedAt: num,
  tiers: z.array(str),
  candidateBundleId: str,
  baselineBundleId: str,
  approvalTimeoutMs: num.nullable(),
  onApprovalTimeout: z.enum(['execute', 'reject']).nullable(),
  dryRun: z.boolean(),
});

const tenant = z.strictObject({
  tenantId: str,
  tenantTier: str,
  stableBundleId: str,
  candidateBundleId: str.nullable(),
  candidateArm: z.enum(['canary', 'shadow']).nullable(),
  candidatePercent: num,
  epoch: z.number().int().nonnegative(),
  rolloutId: str.nullable(),
});

const rollout = z.strictObject({
  rolloutId: str,
  status: z.enum(['running', 'paused', 'promoted', 'aborted', 'halted']),
  strategy: z.enum(['shadow', 'canary', 'blue_green']),
  candidateBundleId: str,
  baselineBundleId: str,
  candidatePercent: num,
  tenants: z.array(z.strictObject({ tenantId: str, tenantTier: str })),
  routedBack: z.array(str),
  onboardingPaused: z.boolean(),
  commandIds: z.array(str),
  decisions: z.array(
    z.tuple([str, z.enum(['executed', 'pending', 'rejected', 'dry_run', 'ignored', 'refused'])]),
  ),
  pending: z.array(
    z.strictObject({ decision, receivedAt: num, deadline: num, onTimeout: z.enum(['execute', 'reject']) }),
  ),
});

const encoded = z.strictObject({
  format: z.literal(FORMAT),
  tenants: z.array(tenant),
  rollouts: z.array(rollout),
  auditHeads: z.array(
    z.tuple([
      str,
      z.strictObject({ seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) }),
    ]),
  ),
});

const byKey = <V>(m: ReadonlyMap<string, V>): Array<[string, V]> =>
  [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function encodeReversionState(state: ReversionState): string {
  return canonicalJson({
    format: FORMAT,
    tenants: byKey(state.tenants).map(([, t]) => t),
    rollouts: byKey(state.rollouts).map(([, r]) => ({ ...r, decisions: byKey(r.decisions) })),
    auditHeads: byKey(state.auditHeads),
  });
}

export type DecodedState = { ok: true; state: ReversionState } | { ok: false; reason: string };

/** Decodes a stored state; a corrupt or foreign value is a verdict, never an exception. */
export function decodeReversionState(text: string): DecodedState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  const parsed = encoded.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid reversion state at ${i?.path.join('.') ?? '?'}: ${i?.message ?? 'unknown'}`,
    };
  }
  const v = parsed.data;
  return {
    ok: true,
    state: {
      tenants: new Map(v.tenants.map((t) => [t.tenantId, t])),
      rollouts: new Map(v.rollouts.map((r) => [r.rolloutId, { ...r, decisions: new Map(r.decisions) }])),
      auditHeads: new Map(v.auditHeads),
    },
  };
}
