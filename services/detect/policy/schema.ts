import { z } from 'zod';

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const fraction = z.number().min(0).max(1);
const ms = z.number().int().positive();
const atLeastOne = z.number().int().min(1);

/** A flag (needs_approval) and an act (automatic) threshold on the same effect scale. */
const band = z.strictObject({ flag: positive, act: positive });

const latencyRule = z.strictObject({
  /** candidate p95 / baseline p95 */
  p95Ratio: positive,
  /** span the p95s are taken over; a multiple of windows.windowMs */
  windowMs: ms,
});

/** The rules of one tenant tier. */
export const tierSchema = z.strictObject({
  /** weight of one tenant of this tier in breadth T */
  breadthWeight: positive,
  /** per metric: observations a side needs before it is tested */
  minSamples: z.strictObject({ candidate: atLeastOne, baseline: atLeastOne }),
  /** ALERT composite weights; normalized by their sum */
  weights: z.strictObject({
    A: nonNegative,
    L: nonNegative,
    E: nonNegative,
    R: nonNegative,
    T: nonNegative,
    cost: nonNegative,
    safety: nonNegative,
  }),
  latency: z.strictObject({ flag: latencyRule, act: latencyRule }),
  /** error rates: absolute tier ceiling and increase over baseline (fractions) */
  errors: z.strictObject({ maxRate: fraction, flagDelta: fraction, actDelta: fraction }),
  regression: z.strictObject({ scoreDrop: band, rateDelta: band, lengthShift: band }),
  /** cost per request, candidate / baseline */
  cost: z.strictObject({ flagRatio: positive, actRatio: positive }),
  safety: z.strictObject({ maxRate: fraction, flagDelta: fraction, actDelta: fraction, toxicityDelta: band }),
});

const tierCount = z.strictObject({ share: fraction, minTenants: atLeastOne });

export const policySchema = z
  .strictObject({
    version: z.literal(1),
    mode: z.enum(['enforce', 'observe']),
    defaultTier: z.string().min(1),
    windows: z.strictObject({
      subWindowMs: ms,
      windowMs: ms,
      allowedLatenessMs: z.number().int().nonnegative(),
      historyMs: ms,
      piiFlagThreshold: fraction,
    }),
    statistics: z.strictObject({
      zFlag: positive,
      zAct: positive,
      cusum: z.strictObject({ k: nonNegative, h: positive }),
      ewma: z.strictObject({
        lambda: z.number().gt(0).max(1),
        zThreshold: positive,
        warmupWindows: atLeastOne,
      }),
      anomalySaturation: atLeastOne,
      guard: z.strictObject({ share: fraction, minSamples: atLeastOne }),
    }),
    composite: z.strictObject({ flag: fraction, act: fraction }),
    hysteresis: z.strictObject({ confirmWindows: atLeastOne, recoverWindows: atLeastOne }),
    breadth: z.strictObject({
      pauseOnboarding: tierCount,
      /** automatic needs act-level tenants in minTiers tiers (or every tier of the rollout) */
      haltRollout: z.strictObject({ share: fraction, minTenants: atLeastOne, minTiers: atLeastOne }),
      pool: z.strictObject({ minTenants: atLeastOne }),
    }),
    approval: z.strictObject({ timeoutMs: ms, onTimeout: z.enum(['execute', 'reject']) }),
    tiers: z.record(z.string().min(1), tierSchema),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    if (p.windows.windowMs % p.windows.subWindowMs !== 0)
      issue(['windows', 'windowMs'], 'must be a multiple of windows.subWindowMs');
    if (p.statistics.zAct < p.statistics.zFlag) issue(['statistics', 'zAct'], 'must be >= statistics.zFlag');
    if (p.composite.act < p.composite.flag) issue(['composite', 'act'], 'must be >= composite.flag');
    if (!(p.defaultTier in p.tiers))
      issue(['defaultTier'], `tier "${p.defaultTier}" is not defined under tiers`);
    for (const [name, t] of Object.entries(p.tiers)) {
      for (const rule of ['flag', 'act'] as const) {
        if (t.latency[rule].windowMs % p.windows.windowMs !== 0)
          issue(['tiers', name, 'latency', rule, 'windowMs'], 'must be a multiple of windows.windowMs');
      }
      const pairs: [string[], number, number][] = [
        [['latency', 'act', 'p95Ratio'], t.latency.flag.p95Ratio, t.latency.act.p95Ratio],
        [['errors', 'actDelta'], t.errors.flagDelta, t.errors.actDelta],
        [['cost', 'actRatio'], t.cost.flagRatio, t.cost.actRatio],
        [['safety', 'actDelta'], t.safety.flagDelta, t.safety.actDelta],
        [['regression', 'scoreDrop', 'act'], t.regression.scoreDrop.flag, t.regression.scoreDrop.act],
        [['regression', 'rateDelta', 'act'], t.regression.rateDelta.flag, t.regression.rateDelta.act],
        [['regression', 'lengthShift', 'act'], t.regression.lengthShift.flag, t.regression.lengthShift.act],
        [['safety', 'toxicityDelta', 'act'], t.safety.toxicityDelta.flag, t.safety.toxicityDelta.act],
      ];
      for (const [path, flag, act] of pairs) {
        if (act < flag) issue(['tiers', name, ...path], 'the act threshold must be >= the flag threshold');
      }
      for (const ratio of [t.latency.flag.p95Ratio, t.cost.flagRatio]) {
        if (ratio <= 1) issue(['tiers', name], 'ratio thresholds must be > 1');
      }
      const w = t.weights;
      if (w.A + w.L + w.E + w.R + w.T + w.cost + w.safety <= 0)
        issue(['tiers', name, 'weights'], 'at least one weight must be > 0');
    }
  });

/** A validated rollback policy (see default-policy.yaml for every key, its unit and default). */
export type Policy = z.infer<typeof policySchema>;
/** The rules of one tier. */
export type TierPolicy = z.infer<typeof tierSchema>;
