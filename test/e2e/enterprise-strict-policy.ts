/**
 * policies/demo.yaml with two changes: enterprise tenants act automatically when their p95 rises 30 %
 * over 1 min (flag at +20 % over 2 min), where the demo policy asks a human between +30 and +50 %.
 * The other tiers keep the demo policy's latency bands. Approvals time out after 30 min instead of 2, longer
 * than a test runs: a needs_approval decision (trigger asks before it acts on a tenant's first degraded
 * windows) then never routes a tenant back on timeout, so the routing the test sees is the automatic one.
 */
import { policySchema, type Policy } from '../../services/detect/policy/index.ts';
import { demoPolicy } from './harness.ts';

export function enterpriseStrictPolicy(): Policy {
  const base = demoPolicy();
  const enterprise = base.tiers.enterprise;
  if (enterprise === undefined) throw new Error('policies/demo.yaml has no enterprise tier');
  return policySchema.parse({
    ...base,
    approval: { ...base.approval, timeoutMs: 30 * 60_000 },
    tiers: {
      ...base.tiers,
      enterprise: {
        ...enterprise,
        latency: {
          flag: { p95Ratio: 1.2, windowMs: 120_000 },
          act: { p95Ratio: 1.3, windowMs: 60_000 },
        },
      },
    },
  });
}
