/**
 * "Which bundle served tenant X at time T": the routing in effect at T (the last step issued at or
 * before T), with each routed bundle's full content (model, prompt, config, tools, state version) from
 * the bundles table. Pure `whoServedAt`; `whoServed` reads the topics.
 */
import type { Bundle, RoutedBundle } from '../../schemas/types.ts';
import { readTopic, type ReaderDeps } from './topic-reader.ts';
import { mergeSteps, stepOfCommand, stepsOfAudit, type RoutingStep } from './routing-history.ts';

/** A routed bundle with its registration (null when the bundles table lacks it). */
export interface ServedBundle extends RoutedBundle {
  supportedTiers: string[] | null;
  registeredAt: number | null;
  registeredBy: string | null;
  parentBundleId: string | null;
}

export type WhoServedAnswer =
  | {
      found: true;
      tenantId: string;
      tenantTier: string | null;
      /** epoch ms asked about */
      atMs: number;
      epoch: number;
      rolloutId: string | null;
      /** epoch ms the routing took effect, and when the next one replaced it (null: still current) */
      sinceMs: number;
      untilMs: number | null;
      /** serves 100 - candidatePercent % (all of it for shadow) */
      stable: ServedBundle | null;
      /** serves candidatePercent % (canary) or only mirrors it (shadow) */
      candidate: ServedBundle | null;
      candidateArm: 'canary' | 'shadow' | null;
      candidatePercent: number;
      decisionId: string | null;
      reason: string;
      source: 'routing' | 'audit';
    }
  | { found: false; tenantId: string; atMs: number; reason: string; earliestMs: number | null };

function served(
  id: string | null,
  routed: RoutedBundle | null,
  bundles: ReadonlyMap<string, Bundle>,
): ServedBundle | null {
  if (id === null) return null;
  const b = bundles.get(id);
  const base: RoutedBundle | undefined = routed ?? b;
  if (base === undefined) return null;
  return {
    bundleId: id,
    modelId: base.modelId,
    modelVersionHash: base.modelVersionHash,
    promptTemplateVersion: base.promptTemplateVersion,
    promptTemplateHash: base.promptTemplateHash,
    config: base.config,
    toolSchemaVersion: base.toolSchemaVersion,
    stateVersion: base.stateVersion,
    supportedTiers: b?.supportedTiers ?? null,
    registeredAt: b?.registeredAt ?? null,
    registeredBy: b?.registeredBy ?? null,
    parentBundleId: b?.parentBundleId ?? null,
  };
}

/** The answer from a tenant's routing steps (ascending epochs) and the bundles table. */
export function whoServedAt(
  tenantId: string,
  atMs: number,
  steps: readonly RoutingStep[],
  bundles: ReadonlyMap<string, Bundle>,
): WhoServedAnswer {
  const mine = steps.filter((s) => s.tenantId === tenantId);
  let idx = -1;
  mine.forEach((x, i) => {
    if (x.issuedAt <= atMs) idx = i;
  });
  const s = mine[idx];
  if (s === undefined) {
    const earliestMs = mine[0]?.issuedAt ?? null;
    return {
      found: false,
      tenantId,
      atMs,
      earliestMs,
      reason:
        earliestMs === null
          ? `no routing recorded for tenant ${tenantId}`
          : `tenant ${tenantId} had no routing yet at ${new Date(atMs).toISOString()}; first at ${new Date(earliestMs).toISOString()}`,
    };
  }
  return {
    found: true,
    tenantId,
    tenantTier: s.tenantTier ?? mine.find((x) => x.tenantTier !== null)?.tenantTier ?? null,
    atMs,
    epoch: s.epoch,
    rolloutId: s.rolloutId,
    sinceMs: s.issuedAt,
    untilMs: mine[idx + 1]?.issuedAt ?? null,
    stable: served(s.stableBundleId, s.command?.stable ?? null, bundles),
    candidate: served(s.candidateBundleId, s.command?.candidate ?? null, bundles),
    candidateArm: s.candidateArm,
    candidatePercent: s.candidatePercent,
    decisionId: s.decisionId,
    reason: s.reason,
    source: s.source,
  };
}

/**
 * Reads the routing topic (and, when compaction removed the step in effect at `atMs`, the audit trail)
 * plus the bundles table, and answers.
 */
export async function whoServed(deps: ReaderDeps, tenantId: string, atMs: number): Promise<WhoServedAnswer> {
  const [routing, bundleRecords] = await Promise.all([
    readTopic(deps, 'routing'),
    readTopic(deps, 'bundles'),
  ]);
  const bundles = new Map(bundleRecords.records.map((r) => [r.value.bundleId, r.value]));
  const fromRouting = routing.records
    .filter((r) => r.value.tenantId === tenantId)
    .map((r) => stepOfCommand(r.value));
  const steps = mergeSteps(fromRouting);
  if (steps.length > 0 && steps.every((s, i) => s.epoch === i + 1))
    return whoServedAt(tenantId, atMs, steps, bundles);
  const audit = await readTopic(deps, 'audit');
  const fromAudit = stepsOfAudit(
    audit.records.map((r) => r.value),
    tenantId,
  );
  return whoServedAt(tenantId, atMs, mergeSteps(fromRouting, fromAudit), bundles);
}
