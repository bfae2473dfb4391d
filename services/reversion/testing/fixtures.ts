/**
 * Builders of reversion's inputs for unit and integration tests: two registered bundles (stable and
 * candidate), rollout commands, decisions and approvals with every field filled.
 */
import type {
  Approval,
  Bundle,
  RollbackDecision,
  RolloutCommand,
  RolloutTenant,
} from '../../../schemas/types.ts';
import type { BundleInput } from '../../registry/bundle-content.ts';
import { registerBundle } from '../../registry/register-bundle.ts';

const TIERS = ['enterprise', 'pro', 'free'];

/** A valid registration input; `model` and `tools` make distinct contents. */
export function bundleInput(model: string, tools = 'v3.1.0', tag = ''): BundleInput {
  return {
    modelId: model,
    modelVersionHash: `sha-${model}${tag}`,
    promptTemplateVersion: '12',
    promptTemplateHash: `p-${model}${tag}`,
    config: { temperature: 0.2, maxTokens: 1024, tag },
    toolSchemaVersion: tools,
    stateVersion: 's7',
    supportedTiers: TIERS,
  };
}

/** The Bundle a fresh registry would store for `input`. */
export function bundleOf(input: BundleInput, at = 1_750_000_000_000): Bundle {
  const v = registerBundle(new Map(), input, 'test', at);
  if (v.verdict !== 'created') throw new Error(`fixture bundle not created: ${JSON.stringify(v)}`);
  return v.bundle;
}

export function rolloutStart(
  rolloutId: string,
  stable: string,
  candidate: string,
  tenants: RolloutTenant[],
  overrides: Partial<RolloutCommand> = {},
): RolloutCommand {
  return {
    commandId: `${rolloutId}-start`,
    rolloutId,
    action: 'start',
    strategy: 'canary',
    candidateBundleId: candidate,
    baselineBundleId: stable,
    tenants,
    canaryPercent: 10,
    actor: 'alice',
    reason: 'test rollout',
    issuedAt: 1_750_000_000_000,
    ...overrides,
  };
}

export function rolloutCommand(
  rolloutId: string,
  action: RolloutCommand['action'],
  commandId: string,
  overrides: Partial<RolloutCommand> = {},
): RolloutCommand {
  return {
    commandId,
    rolloutId,
    action,
    strategy: null,
    candidateBundleId: null,
    baselineBundleId: null,
    tenants: [],
    canaryPercent: null,
    actor: 'alice',
    reason: '',
    issuedAt: 1_750_000_000_000,
    ...overrides,
  };
}

export function decision(
  rolloutId: string,
  decisionId: string,
  tenantIds: string[],
  overrides: Partial<RollbackDecision> = {},
): RollbackDecision {
  return {
    decisionId,
    rolloutId,
    action: 'route_back',
    tenantIds,
    mode: 'automatic',
    compositeScore: 0.91,
    breadth: 0.4,
    reasons: ['p95 latency +42 % over 15 min'],
    evidence: [
      {
        metric: 'latency_p95',
        tenantId: tenantIds[0] ?? null,
        candidate: 1420,
        baseline: 1000,
        statistic: 1.42,
        statisticKind: 'ratio',
        samplesCandidate: 800,
        samplesBaseline: 7200,
        baselineSource: 'concurrent',
      },
    ],
    decidedAt: 1_750_000_000_000,
    tiers: [],
    candidateBundleId: '',
    baselineBundleId: '',
    approvalTimeoutMs: null,
    onApprovalTimeout: null,
    dryRun: false,
    ...overrides,
  };
}

export function approval(
  rolloutId: string,
  decisionId: string,
  approvalId: string,
  overrides: Partial<Approval> = {},
): Approval {
  return {
    approvalId,
    decisionId,
    rolloutId,
    verdict: 'approve',
    tenantIds: [],
    tiers: [],
    actor: 'bob',
    reason: 'confirmed on the dashboard',
    answeredAt: 1_750_000_000_000,
    ...overrides,
  };
}
