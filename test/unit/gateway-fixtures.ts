/** Routing records for gateway tests: a bundle with fixed content, and a command at a candidate share. */
import type { CandidateArm, RoutedBundle, RoutingCommand } from '../../schemas/types.ts';

export const routedBundle = (bundleId: string): RoutedBundle => ({
  bundleId,
  modelId: 'm',
  modelVersionHash: 'h',
  promptTemplateVersion: '1',
  promptTemplateHash: 'p',
  config: '{}',
  toolSchemaVersion: '1',
  stateVersion: '1',
});

export interface RoutingOptions {
  readonly tenantId?: string;
  readonly epoch?: number;
  /** 0 routes everything to stable and leaves no candidate. */
  readonly percent?: number;
  readonly arm?: CandidateArm | null;
  /** false: no candidate bundle even at a non-zero share (a malformed command). */
  readonly withCandidate?: boolean;
  readonly tier?: string;
  readonly rolloutId?: string;
  readonly commandId?: string;
  readonly reason?: string;
  readonly issuedAt?: number;
}

/** A routing command from stable `b-stable` to candidate `b-cand`; epoch 1, tenant `t`, tier pro by default. */
export function routingCommand(o: RoutingOptions = {}): RoutingCommand {
  const tenantId = o.tenantId ?? 't';
  const epoch = o.epoch ?? 1;
  const percent = o.percent ?? 10;
  const withCandidate = o.withCandidate ?? percent > 0;
  return {
    commandId: o.commandId ?? `${tenantId}:${epoch}`,
    tenantId,
    tenantTier: o.tier ?? 'pro',
    epoch,
    rolloutId: o.rolloutId ?? 'r',
    stable: routedBundle('b-stable'),
    candidate: withCandidate ? routedBundle('b-cand') : null,
    candidateArm: o.arm !== undefined ? o.arm : withCandidate ? 'canary' : null,
    candidatePercent: percent,
    sessionPolicy: 'none',
    reason: o.reason ?? '',
    decisionId: null,
    issuedAt: o.issuedAt ?? 0,
  };
}
