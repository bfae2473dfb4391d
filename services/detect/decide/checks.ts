import type { BaselineSource, Evidence } from '../../../schemas/types.ts';
import type { Policy, TierPolicy } from '../policy/schema.ts';
import { metricOf, type ArmView, type Spans } from './arm.ts';
import { grade, maxLevel, type Level } from './grade.ts';
import { harmSign, metricSpec } from './metrics.ts';
import {
  quantileRatio,
  quantileRatioTest,
  twoProportionZ,
  welchT,
  type QuantileRatio,
} from './significance.ts';
import { meanOf } from './stats.ts';
import { formatChange, formatPoints, formatSigned, formatValue, samples } from './reasons.ts';

export type Component = 'L' | 'E' | 'R' | 'cost' | 'safety';

export interface CheckContext {
  readonly tier: TierPolicy;
  readonly stats: Policy['statistics'];
  readonly source: BaselineSource;
  /** "concurrent stable", for reasons */
  readonly baselineLabel: string;
  readonly tenantId: string | null;
  /** false: no minimum sample sizes (point estimates for attributing a pooled finding to tenants) */
  readonly gate: boolean;
  /** minutes each span covers, for reasons */
  readonly minutes: { readonly one: number; readonly act: number; readonly flag: number };
  /** evaluate on this span only (the guard compares a reference on the finding's own span) */
  readonly span?: SpanName;
}

export type SpanName = 'one' | 'act' | 'flag';

/** The outcome of one check of a candidate against a baseline. */
export interface Finding {
  /** check id; also `evidence.metric` */
  readonly check: string;
  readonly component: Component;
  /** false: feeds its component's score but never triggers an action alone */
  readonly trigger: boolean;
  readonly level: Level;
  readonly severity: number;
  /** harm-signed effect on the rule's scale (ratio - 1, rate difference, score drop); > 0 hurts */
  readonly effect: number;
  readonly flagThreshold: number;
  readonly z: number;
  readonly evidence: Evidence;
  /** the finding in words, formatted on demand (most findings are never shown) */
  readonly reason: () => string;
  /** the span the finding was taken over */
  readonly span: SpanName;
}

export interface CheckDef {
  readonly id: string;
  readonly component: Component;
  readonly trigger: boolean;
  /** `leveledOnly`: null instead of a finding whose level is 'none' (saves building it) */
  evaluate(c: Spans, b: Spans, ctx: CheckContext, leveledOnly?: boolean): Finding | null;
}

interface Thresholds {
  readonly flag: number;
  readonly act: number;
  readonly maxRate?: number;
}
type ThresholdsOf = (t: TierPolicy) => Thresholds;

function enough(c: number, b: number, ctx: CheckContext, floor: number): boolean {
  if (!ctx.gate) return c >= floor && b >= floor;
  return (
    c >= Math.max(floor, ctx.tier.minSamples.candidate) && b >= Math.max(floor, ctx.tier.minSamples.baseline)
  );
}

/** What a check measured, before it becomes a {@link Finding}. */
interface Outcome {
  readonly level: Level;
  readonly severity: number;
  readonly effect: number;
  readonly flag: number;
  readonly z: number;
  readonly candidate: number;
  readonly baseline: number;
  readonly statistic: number;
  readonly statisticKind: string;
  readonly samplesCandidate: number;
  readonly samplesBaseline: number;
  readonly span: SpanName;
}

/** `reason` is passed inline (not bound to a name) so that no per-call naming wrapper is added. */
function finding(def: CheckIdentity, o: Outcome, ctx: CheckContext, reason: () => string): Finding {
  return {
    check: def.id,
    component: def.component,
    trigger: def.trigger,
    level: o.level,
    severity: o.severity,
    effect: o.effect,
    flagThreshold: o.flag,
    z: o.z,
    evidence: {
      metric: def.id,
      tenantId: ctx.tenantId,
      candidate: o.candidate,
      baseline: o.baseline,
      statistic: o.statistic,
      statisticKind: o.statisticKind,
      samplesCandidate: o.samplesCandidate,
      samplesBaseline: o.samplesBaseline,
      baselineSource: ctx.source,
    },
    reason,
    span: o.span,
  };
}

type CheckIdentity = Omit<CheckDef, 'evaluate'>;

/**
 * Picks the span a rate or mean check is tested on, by sample size and never by outcome (taking the best
 * of several spans would inflate the false-alarm rate): the shortest span whose candidate side has twice
 * the tier minimum, else the longest span (still subject to the minimum). Ungated evaluations (guard and
 * attribution point estimates) use the longest span.
 */
function spanFor(c: Spans, ctx: CheckContext, metric: string): SpanName {
  if (ctx.span) return ctx.span;
  if (ctx.gate) {
    const ample = 2 * ctx.tier.minSamples.candidate;
    if (metricOf(c.one, metric).count >= ample) return 'one';
    if (metricOf(c.act, metric).count >= ample) return 'act';
  }
  return 'flag';
}

interface RateSpec {
  readonly def: CheckIdentity;
  readonly label: string;
  readonly sign: number;
  readonly th: ThresholdsOf;
}

function rateOn(r: RateSpec, c: Spans, b: Spans, ctx: CheckContext, leveledOnly: boolean): Finding | null {
  const span = spanFor(c, ctx, r.def.id);
  const ca = metricOf(c[span], r.def.id);
  const ba = metricOf(b[span], r.def.id);
  if (!enough(ca.count, ba.count, ctx, 1)) return null;
  const sign = r.sign;
  const { flag, act, maxRate } = r.th(ctx.tier);
  if (
    leveledOnly &&
    !rateMayLevel(sign * (meanOf(ca) - meanOf(ba)), flag, meanOf(ca), meanOf(ba), sign, maxRate)
  )
    return null;
  const t = twoProportionZ(ca, ba);
  const effect = sign * (t.candidate - t.baseline);
  const z = sign * t.z;
  let { level, severity } = grade(effect, z, flag, act, ctx.stats);
  if (
    maxRate !== undefined &&
    sign > 0 &&
    t.candidate >= maxRate &&
    t.baseline < maxRate &&
    z >= ctx.stats.zFlag
  ) {
    const byRate: Level = z >= ctx.stats.zAct ? 'act' : 'flag';
    level = maxLevel(level, byRate);
    severity = Math.max(severity, byRate === 'act' ? 1 : 0.5);
  }
  if (leveledOnly && level === 'none') return null;
  const minutes = ctx.minutes[span];
  const o: Outcome = {
    level,
    severity,
    effect,
    flag,
    z,
    candidate: t.candidate,
    baseline: t.baseline,
    statistic: t.statistic,
    statisticKind: 'two-proportion-z',
    samplesCandidate: ca.count,
    samplesBaseline: ba.count,
    span,
  };
  return finding(
    r.def,
    o,
    ctx,
    () =>
      `${r.label} ${formatValue(t.candidate, '%')} vs ${formatValue(t.baseline, '%')} on ${ctx.baselineLabel} ` +
      `(${formatPoints(t.candidate - t.baseline)}, z=${t.z.toFixed(1)}, ${samples(ca.count, ba.count)}, ${minutes} min)`,
  );
}

/**
 * Whether a rate check can reach a level whatever its z: {@link grade} needs the effect at the flag
 * threshold, the maxRate rule a candidate rate at maxRate over a baseline below it. False lets a
 * leveled-only run skip the test itself.
 */
function rateMayLevel(
  effect: number,
  flag: number,
  candidate: number,
  baseline: number,
  sign: number,
  maxRate: number | undefined,
): boolean {
  if (effect > 0 && effect >= flag) return true;
  return maxRate !== undefined && sign > 0 && candidate >= maxRate && baseline < maxRate;
}

export function rateCheck(id: string, component: Component, th: ThresholdsOf, trigger = true): CheckDef {
  const spec = metricSpec(id);
  const def = { id, component, trigger };
  const r: RateSpec = { def, label: spec.label, sign: harmSign(spec.harm), th };
  return { ...def, evaluate: (c, b, ctx, leveledOnly = false) => rateOn(r, c, b, ctx, leveledOnly) };
}

interface MeanSpec extends RateSpec {
  readonly scale: 'ratio' | 'delta';
  readonly both: boolean;
  readonly unit: string;
}

function meanOn(m: MeanSpec, c: Spans, b: Spans, ctx: CheckContext, leveledOnly: boolean): Finding | null {
  const span = spanFor(c, ctx, m.def.id);
  const ca = metricOf(c[span], m.def.id);
  const ba = metricOf(b[span], m.def.id);
  if (!enough(ca.count, ba.count, ctx, 2)) return null;
  const sign = m.sign;
  const { flag, act } = m.th(ctx.tier);
  const effect = meanEffect(m, meanOf(ca), meanOf(ba));
  if (leveledOnly && !(effect > 0 && effect >= flag)) return null;
  const t = welchT(ca, ba);
  const relative = t.baseline !== 0 ? t.candidate / t.baseline - 1 : 0;
  const z = m.both ? Math.abs(t.z) : sign * t.z;
  const g = grade(effect, z, flag, act, ctx.stats);
  if (leveledOnly && g.level === 'none') return null;
  const minutes = ctx.minutes[span];
  const o: Outcome = {
    level: g.level,
    severity: g.severity,
    effect,
    flag,
    z,
    candidate: t.candidate,
    baseline: t.baseline,
    statistic: t.statistic,
    statisticKind: 'welch-t',
    samplesCandidate: ca.count,
    samplesBaseline: ba.count,
    span,
  };
  return finding(
    m.def,
    o,
    ctx,
    () =>
      `${m.label} ${m.scale === 'delta' ? formatSigned(t.candidate - t.baseline) : formatChange(relative + 1)} vs ` +
      `${ctx.baselineLabel} (${formatValue(t.candidate, m.unit)} vs ${formatValue(t.baseline, m.unit)}, ` +
      `t=${t.statistic.toFixed(1)}, ${samples(ca.count, ba.count)}, ${minutes} min)`,
  );
}

/** Harm-signed effect of a mean check from the two means (welchT's candidate and baseline). */
function meanEffect(m: MeanSpec, candidate: number, baseline: number): number {
  const relative = baseline !== 0 ? candidate / baseline - 1 : 0;
  return m.scale === 'delta'
    ? m.sign * (candidate - baseline)
    : m.both
      ? Math.abs(relative)
      : m.sign * relative;
}

/** A mean compared as a ratio (cost, output length) or as a difference (scores on 0..1). */
export function meanCheck(
  id: string,
  component: Component,
  scale: 'ratio' | 'delta',
  th: ThresholdsOf,
  trigger = true,
): CheckDef {
  const spec = metricSpec(id);
  const def = { id, component, trigger };
  const m: MeanSpec = {
    def,
    label: spec.label,
    sign: harmSign(spec.harm),
    th,
    scale,
    both: spec.harm === 'both',
    unit: spec.unit,
  };
  return { ...def, evaluate: (c, b, ctx, leveledOnly = false) => meanOn(m, c, b, ctx, leveledOnly) };
}

/** Whether the quantile ratio of `c` over `b` reaches `threshold` (ratio - 1), which any level needs. */
function ratioMayLevel(c: ArmView, b: ArmView, q: number, ctx: CheckContext, threshold: number): boolean {
  if (!c.sketch || !b.sketch || !enough(c.sketch.count, b.sketch.count, ctx, 1)) return false;
  const effect = quantileRatio(c.sketch, b.sketch, q) - 1;
  return effect > 0 && effect >= threshold;
}

function ratioOn(c: ArmView, b: ArmView, q: number, ctx: CheckContext): QuantileRatio | null {
  if (!c.sketch || !b.sketch || !enough(c.sketch.count, b.sketch.count, ctx, 1)) return null;
  return quantileRatioTest(c.sketch, b.sketch, q);
}

/**
 * A latency quantile ratio. With `rule`, the p95 rule of the policy: flag when the ratio over the flag
 * span reaches latency.flag.p95Ratio, act when the ratio over the act span reaches latency.act.p95Ratio.
 * Without, an auxiliary quantile graded over the act span that only feeds L.
 */
export function quantileCheck(id: string, q: number, rule: boolean): CheckDef {
  const def = { id, component: 'L' as const, trigger: rule };
  const label = `p${Math.round(q * 100)} latency`;
  return {
    ...def,
    evaluate(c, b, ctx, leveledOnly = false) {
      const flag = ctx.tier.latency.flag.p95Ratio - 1;
      const act = ctx.tier.latency.act.p95Ratio - 1;
      if (
        leveledOnly &&
        !(ctx.span !== 'flag' && ratioMayLevel(c.act, b.act, q, ctx, rule ? act : flag)) &&
        !(rule && ctx.span !== 'act' && ratioMayLevel(c.flag, b.flag, q, ctx, flag))
      )
        return null;
      const onAct = ctx.span === 'flag' ? null : ratioOn(c.act, b.act, q, ctx);
      const sameAsAct = ctx.span !== 'flag' && c.flag === c.act && b.flag === b.act;
      const onFlag =
        rule && ctx.span !== 'act' ? (sameAsAct ? onAct : ratioOn(c.flag, b.flag, q, ctx)) : null;
      if (!onAct && !onFlag) return null;
      const gAct = onAct
        ? rule
          ? grade(onAct.ratio - 1, onAct.z, act, act, ctx.stats)
          : grade(onAct.ratio - 1, onAct.z, flag, act, ctx.stats)
        : null;
      const gFlagRaw = onFlag ? grade(onFlag.ratio - 1, onFlag.z, flag, act, ctx.stats) : null;
      const gFlag = gFlagRaw && {
        ...gFlagRaw,
        level: gFlagRaw.level === 'act' ? ('flag' as const) : gFlagRaw.level,
      };
      const useAct = onAct && gAct && (!gFlag || gAct.level === 'act' || (gFlag.level === 'none' && !rule));
      const [r, g, minutes, span] = useAct
        ? [onAct, gAct, ctx.minutes.act, 'act' as const]
        : [onFlag!, gFlag!, ctx.minutes.flag, 'flag' as const];
      if (leveledOnly && g.level === 'none') return null;
      const severity = Math.max(gAct?.severity ?? 0, gFlag?.severity ?? 0);
      const o: Outcome = {
        level: g.level,
        severity,
        effect: r.ratio - 1,
        flag,
        z: r.z,
        candidate: r.candidate,
        baseline: r.baseline,
        statistic: r.ratio,
        statisticKind: 'ratio',
        samplesCandidate: r.samplesCandidate,
        samplesBaseline: r.samplesBaseline,
        span,
      };
      return finding(
        def,
        o,
        ctx,
        () =>
          `${label} ${formatChange(r.ratio)} vs ${ctx.baselineLabel} (${formatValue(r.candidate, 'ms')} vs ` +
          `${formatValue(r.baseline, 'ms')}, z=${r.z.toFixed(1)}, ${samples(r.samplesCandidate, r.samplesBaseline)}, ${minutes} min)`,
      );
    },
  };
}
