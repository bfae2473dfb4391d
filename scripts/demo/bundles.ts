/**
 * The demo's two bundles: the stable support agent (support-v41 on model version mv-2026-10) and the
 * candidate (support-v42 on mv-2026-11). Registering is idempotent: a later run gets the same ids.
 */
import type { Bundle } from '../../schemas/types.ts';
import type { BundleRegistry } from '../../services/registry/service.ts';

export interface DemoBundles {
  readonly stable: Bundle;
  readonly candidate: Bundle;
  /** `stable b-… (created), candidate b-… (unchanged)` */
  readonly line: string;
}

export interface DemoBundleOptions {
  /** Recorded as the registering actor (default `demo`). */
  readonly actor?: string;
  /** Model version hashes of stable and candidate (default mv-2026-10, mv-2026-11); unique ones make unique ids. */
  readonly modelVersions?: readonly [string, string];
}

export async function registerDemoBundles(
  registry: BundleRegistry,
  options: DemoBundleOptions = {},
): Promise<DemoBundles> {
  const actor = options.actor ?? 'demo';
  const [stableVersion, candidateVersion] = options.modelVersions ?? ['mv-2026-10', 'mv-2026-11'];
  const base = {
    modelId: 'acme-llm',
    promptTemplateVersion: 'support-v41',
    promptTemplateHash: 'sha256:4f1c',
    config: { temperature: 0.2, maxTools: 8 },
    toolSchemaVersion: '3.2.0',
    stateVersion: 's7',
    supportedTiers: ['enterprise', 'pro', 'free'],
  };
  const stable = await registry.register({ ...base, modelVersionHash: stableVersion }, actor);
  const candidate = await registry.register(
    {
      ...base,
      modelVersionHash: candidateVersion,
      promptTemplateVersion: 'support-v42',
      promptTemplateHash: 'sha256:9a07',
      parentBundleId: stable.bundle.bundleId,
    },
    actor,
  );
  return {
    stable: stable.bundle,
    candidate: candidate.bundle,
    line:
      `stable ${stable.bundle.bundleId} (${stable.verdict}), ` +
      `candidate ${candidate.bundle.bundleId} (${candidate.verdict})`,
  };
}
