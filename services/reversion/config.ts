/**
 * The reversion service's configuration: the core keys (services/core/config.ts) plus
 *
 *   BACKTRACK_WEBHOOK_URLS            webhook targets, see webhook-targets.ts (default: none)
 *   BACKTRACK_WEBHOOK_TIMEOUT_MS      per attempt (5 000)
 *   BACKTRACK_WEBHOOK_RETRIES         attempts after the first (5)
 *   BACKTRACK_WEBHOOK_BACKOFF_MS      first retry delay, doubling (500) ...
 *   BACKTRACK_WEBHOOK_MAX_BACKOFF_MS  ... up to (30 000)
 *   BACKTRACK_WEBHOOK_MAX_BYTES       body cap; longer summaries are cut (16 384)
 *   BACKTRACK_APPROVAL_TIMEOUT_MS     for needs_approval decisions that carry none (1 800 000)
 *   BACKTRACK_ON_APPROVAL_TIMEOUT     execute | reject (reject)
 *   BACKTRACK_SESSION_POLICY          drain | reset_with_notice, for rollbacks (drain)
 *   BACKTRACK_SESSION_POLICY_BY_TIER  e.g. `free=reset_with_notice,enterprise=drain`
 *   BACKTRACK_REVERSION_TICK_MS       approval-deadline check interval (1 000)
 *
 * Every bad key is reported at start in one ConfigError, one line per key. Webhook entries are
 * reported by position and kind only: their URLs and keys are credentials.
 */
import { z } from 'zod';
import { loadConfig, type Config, type CoreConfig } from '../core/config.ts';
import { envEnum, envInt } from '../core/env-schema.ts';
import { ConfigError } from '../core/errors.ts';
import type { SessionPolicy } from '../../schemas/types.ts';
import type { ReversionOptions } from './core/index.ts';
import type { DeliverySettings } from './webhook-delivery.ts';
import { parseWebhookTargets, type WebhookTarget } from './webhook-targets.ts';

const policies = ['drain', 'reset_with_notice'] as const;

const byTier = z
  .string()
  .optional()
  .transform((raw, ctx): Record<string, SessionPolicy> => {
    const out: Record<string, SessionPolicy> = {};
    for (const pair of (raw ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')) {
      const [tier, policy] = pair.split('=').map((s) => s.trim());
      if (!tier || !policies.includes(policy as (typeof policies)[number])) {
        ctx.addIssue({ code: 'custom', message: `expected <tier>=${policies.join('|')}[,...]` });
        return z.NEVER;
      }
      out[tier] = policy as SessionPolicy;
    }
    return out;
  });

const shape = {
  BACKTRACK_WEBHOOK_TIMEOUT_MS: envInt(100, 120_000, 5_000),
  BACKTRACK_WEBHOOK_RETRIES: envInt(0, 20, 5),
  BACKTRACK_WEBHOOK_BACKOFF_MS: envInt(1, 60_000, 500),
  BACKTRACK_WEBHOOK_MAX_BACKOFF_MS: envInt(1, 600_000, 30_000),
  BACKTRACK_WEBHOOK_MAX_BYTES: envInt(1_024, 1_048_576, 16_384),
  BACKTRACK_APPROVAL_TIMEOUT_MS: envInt(1_000, 7 * 86_400_000, 1_800_000),
  BACKTRACK_ON_APPROVAL_TIMEOUT: envEnum(['execute', 'reject'] as const, 'reject'),
  BACKTRACK_SESSION_POLICY: envEnum(policies, 'drain'),
  BACKTRACK_SESSION_POLICY_BY_TIER: byTier,
  BACKTRACK_REVERSION_TICK_MS: envInt(50, 60_000, 1_000),
};

export interface ReversionConfig {
  readonly core: CoreConfig;
  readonly options: ReversionOptions;
  readonly targets: readonly WebhookTarget[];
  readonly delivery: DeliverySettings;
  /** bytes */
  readonly maxPayloadBytes: number;
  /** ms */
  readonly tickIntervalMs: number;
}

/** Parses the environment; throws one ConfigError naming every bad key. */
export function loadReversionConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ReversionConfig {
  const webhooks = parseWebhookTargets(env.BACKTRACK_WEBHOOK_URLS);
  const issues = webhooks.ok ? [] : webhooks.issues.map((i) => `BACKTRACK_WEBHOOK_URLS: ${i}`);
  const safeEnv = { ...env, BACKTRACK_WEBHOOK_URLS: undefined };
  let config: Config<typeof shape> | undefined;
  try {
    config = loadConfig({ service: 'reversion', env: safeEnv, extend: shape });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.unshift(error.message);
  }
  if (config === undefined || !webhooks.ok || issues.length > 0) throw new ConfigError(issues.join('\n'));
  const x = config.extra;
  if (x.BACKTRACK_WEBHOOK_MAX_BACKOFF_MS < x.BACKTRACK_WEBHOOK_BACKOFF_MS)
    throw new ConfigError('BACKTRACK_WEBHOOK_MAX_BACKOFF_MS: must be >= BACKTRACK_WEBHOOK_BACKOFF_MS');
  return {
    core: config,
    options: {
      sessionPolicyByTier: x.BACKTRACK_SESSION_POLICY_BY_TIER,
      defaultSessionPolicy: x.BACKTRACK_SESSION_POLICY,
      defaultApprovalTimeoutMs: x.BACKTRACK_APPROVAL_TIMEOUT_MS,
      defaultOnApprovalTimeout: x.BACKTRACK_ON_APPROVAL_TIMEOUT,
      serviceActor: 'reversion',
    },
    targets: webhooks.targets,
    delivery: {
      timeoutMs: x.BACKTRACK_WEBHOOK_TIMEOUT_MS,
      retries: x.BACKTRACK_WEBHOOK_RETRIES,
      initialBackoffMs: x.BACKTRACK_WEBHOOK_BACKOFF_MS,
      maxBackoffMs: x.BACKTRACK_WEBHOOK_MAX_BACKOFF_MS,
    },
    maxPayloadBytes: x.BACKTRACK_WEBHOOK_MAX_BYTES,
    tickIntervalMs: x.BACKTRACK_REVERSION_TICK_MS,
  };
}
