/** Shared fixtures of the reversion and registry unit tests (no I/O). */
import assert from 'node:assert/strict';
import type {
  Approval,
  Bundle,
  RollbackDecision,
  RolloutCommand,
  RolloutTenant,
} from '../../schemas/types.ts';
import { registerBundle, type BundleInput } from '../../services/registry/index.ts';
import type { ReversionContext, ReversionOptions } from '../../services/reversion/core/index.ts';
import {
  approval as approvalOf,
  decision as decisionOf,
  rolloutCommand,
} from '../../services/reversion/testing/fixtures.ts';

export const T0 = 1_760_000_000_000;

export const baseInput: BundleInput = {
  modelId: 'gpt-x',
  modelVersionHash: 'mv-1',
  promptTemplateVersion: '7',
  promptTemplateHash: 'ph-7',
  config: { temperature: 0.2, tools: { search: true } },
  toolSchemaVersion: '3.2.0',
  stateVersion: 's1',
  supportedTiers: ['enterprise', 'pro', 'free'],
};

/** Registers a bundle into `table` and returns it. */
export function add(table: Map<string, Bundle>, input: BundleInput): Bundle {
  const v = registerBundle(table, input, 'ops@example.com', T0);
  assert.equal(v.verdict, 'created', JSON.stringify(v));
  if (v.verdict !== 'created') throw new Error('unreachable');
  table.set(v.bundle.bundleId, v.bundle);
  return v.bundle;
}

export interface World {
  bundles: Map<string, Bundle>;
  baseline: Bundle;
  /** same tool major as the baseline */
  candidate: Bundle;
  /** tool schema 4.x */
  candidateV4: Bundle;
  /** a baseline that does not list the enterprise tier */
  baselineNoEnterprise: Bundle;
}

export function world(): World {
  const bundles = new Map<string, Bundle>();
  const baseline = add(bundles, baseInput);
  const candidate = add(bundles, {
    ...baseInput,
    promptTemplateVersion: '8',
    promptTemplateHash: 'ph-8',
    toolSchemaVersion: '3.4.0',
    parentBundleId: baseline.bundleId,
  });
  const candidateV4 = add(bundles, {
    ...baseInput,
    toolSchemaVersion: 'v4',
    parentBundleId: baseline.bundleId,
  });
  const baselineNoEnterprise = add(bundles, {
    ...baseInput,
    modelVersionHash: 'mv-0',
    supportedTiers: ['pro', 'free'],
  });
  return { bundles, baseline, candidate, candidateV4, baselineNoEnterprise };
}

export function ctxOf(w: World, nowMs = T0, options?: Partial<ReversionOptions>): ReversionContext {
  return { nowMs, bundles: w.bundles, ...(options ? { options } : {}) };
}

export const tenants: RolloutTenant[] = [
  { tenantId: 't-ent-1', tenantTier: 'enterprise' },
  { tenantId: 't-ent-2', tenantTier: 'enterprise' },
  { tenantId: 't-pro-1', tenantTier: 'pro' },
  { tenantId: 't-free-1', tenantTier: 'free' },
];

export function command(
  partial: Partial<RolloutCommand> & Pick<RolloutCommand, 'commandId' | 'action'>,
): RolloutCommand {
  return rolloutCommand(partial.rolloutId ?? 'r1', partial.action, partial.commandId, {
    issuedAt: T0,
    ...partial,
  });
}

export function startCommand(w: World, partial: Partial<RolloutCommand> = {}): RolloutCommand {
  return command({
    commandId: 'c-start',
    action: 'start',
    strategy: 'canary',
    candidateBundleId: w.candidate.bundleId,
    baselineBundleId: w.baseline.bundleId,
    tenants,
    canaryPercent: 10,
    ...partial,
  });
}

export function decision(
  partial: Partial<RollbackDecision> & Pick<RollbackDecision, 'decisionId' | 'action'>,
): RollbackDecision {
  return decisionOf(partial.rolloutId ?? 'r1', partial.decisionId, partial.tenantIds ?? [], {
    compositeScore: 0.9,
    breadth: 0.5,
    reasons: ['p95 +40 %'],
    evidence: [],
    decidedAt: T0,
    ...partial,
  });
}

export function approval(
  partial: Partial<Approval> & Pick<Approval, 'approvalId' | 'decisionId' | 'verdict'>,
): Approval {
  return approvalOf(partial.rolloutId ?? 'r1', partial.decisionId, partial.approvalId, {
    reason: '',
    answeredAt: T0,
    ...partial,
  });
}
