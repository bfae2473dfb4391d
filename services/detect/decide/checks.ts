import type { BaselineSource, Evidence } from '../../../schemas/types.ts';
import type { Policy, TierPolicy } from '../policy/schema.ts';
import { metricOf, type ArmView, type Spans } from './arm.ts';
import { grade, maxLevel, type Grade, type Level } from './grade.ts';
import { harmSign, metricSpec } from './metrics.ts';
import { quantileRatioTest, twoProportionZ, welchT, type QuantileRatio } from './significance.ts';
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
  readonly reason: string;
  /** the span the finding was taken over */
  readonly span: SpanName;
}

export interface CheckDef {
  readonly id: string;
  readonly component: Component;
  readonly trigger: boolean;
  evaluate(c: Spans, b: Spans, ctx: CheckContext): Finding | null;
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

interface Outcome {
  readonly grade: Grade;
  readonly effect: number;
  readonly flag: number;
  readonly z: number;
  readonly evidence: Omit<Evidence, 'metric' | 'tenantId' | 'baselineSource'>;
  readonly reason: string;
  readonly span: SpanName;
}

function finding(def: Omit<CheckDef, 'evaluate'>, o: Outcome, ctx: CheckContext): Finding {
  return {
    check: def.id,
    component: def.component,
    trigger: def.trigger,
    ...o.grade,
    effect: o.effect,
    flagThreshold: o.flag,
    z: o.z,
    evidence: { metric: def.id, tenantId: ctx.tenantId, ...o.evidence, baselineSource: ctx.source },
    reason: o.reason,
    span: o.span,
  };
}

/**
 * Picks the span a rate or mean check is tested on, by sample size and never by outcome (taking the best
 * of several spans would inflate the false-alarm rate): the shortest span whose candidate side has twice
 * the tier minimum, else the longest span (still subject to the minimum). Ungated evaluations (guard and
 * attribution point estimates) use the longest span.
 */
function onWindows(
  c: Spans,
  b: Spans,
  ctx: CheckContext,
  metric: string,
  run: (c: ArmView, b: ArmView, minutes: number, span: SpanName) => Finding | null,
): Finding | null {
  const spans: [ArmView, ArmView, number, SpanName][] = [
    [c.one, b.one, ctx.minutes.one, 'one'],
    [c.act, b.act, ctx.minutes.act, 'act'],
    [c.flag, b.flag, ctx.minutes.flag, 'flag'],
  ];
  const ample = 2 * ctx.tier.minSamples.candidate;
  const forced = ctx.span && spans.find((s) => s[3] === ctx.span);
  const chosen =
    forced || (ctx.gate && spans.find(([cv]) => metricOf(cv, metric).count >= ample)) || spans[2]!;
  return run(...chosen);
}

export function rateCheck(id: string, component: Component, th: ThresholdsOf, trigger = true): CheckDef {
  const spec = metricSpec(id);
  const def = { id, component, trigger };
  return {
    ...def,
    evaluate: (c, b, ctx) =>
      onWindows(c, b, ctx, id, (cv, bv, minutes, span) => {
        const ca = metricOf(cv, id);
        const ba = metricOf(bv, id);
        if (!enough(ca.count, ba.count, ctx, 1)) return null;
        const t = twoProportionZ(ca, ba);
        const sign = harmSign(spec.harm);
        const { flag, act, maxRate } = th(ctx.tier);
        const effect = sign * (t.candidate - t.baseline);
        const z = sign * t.z;
        let g = grade(effect, z, flag, act, ctx.stats);
        if (
          maxRate !== undefined &&
          sign > 0 &&
          t.candidate >= maxRate &&
          t.baseline < maxRate &&
          z >= ctx.stats.zFlag
        ) {
          const level: Level = z >= ctx.stats.zAct ? 'act' : 'flag';
          g = { level: maxLevel(g.level, level), severity: Math.max(g.severity, level === 'act' ? 1 : 0.5) };
        }
        const ev = {
          candidate: t.candidate,
          baseline: t.baseline,
          statistic: t.statistic,
          statisticKind: 'two-proportion-z',
        };
        const reason =
          `${spec.label} ${formatValue(t.candidate, '%')} vs ${formatValue(t.baseline, '%')} on ${ctx.baselineLabel} ` +
          `(${formatPoints(t.candidate - t.baseline)}, z=${t.z.toFixed(1)}, ${samples(ca.count, ba.count)}, ${minutes} min)`;
        return finding(
          def,
          {
            grade: g,
            effect,
            flag,
            z,
            evidence: { ...ev, samplesCandidate: ca.count, samplesBaseline: ba.count },
            reason,
            span,
          },
          ctx,
        );
      }),
  };
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
  return {
    ...def,
    evaluate: (c, b, ctx) =>
      onWindows(c, b, ctx, id, (cv, bv, minutes, span) => {
        const ca = metricOf(cv, id);
        const ba = metricOf(bv, id);
        if (!enough(ca.count, ba.count, ctx, 2)) return null;
        const t = welchT(ca, ba);
        const sign = harmSign(spec.harm);
        const { flag, act } = th(ctx.tier);
        const relative = t.baseline !== 0 ? t.candidate / t.baseline - 1 : 0;
        const both = spec.harm === 'both';
        const effect =
          scale === 'delta' ? sign * (t.candidate - t.baseline) : both ? Math.abs(relative) : sign * relative;
        const z = both ? Math.abs(t.z) : sign * t.z;
        const change =
          scale === 'delta' ? formatSigned(t.candidate - t.baseline) : formatChange(relative + 1);
        const reason =
          `${spec.label} ${change} vs ${ctx.baselineLabel} (${formatValue(t.candidate, spec.unit)} vs ` +
          `${formatValue(t.baseline, spec.unit)}, t=${t.statistic.toFixed(1)}, ${samples(ca.count, ba.count)}, ${minutes} min)`;
        const ev = {
          candidate: t.candidate,
          baseline: t.baseline,
          statistic: t.statistic,
          statisticKind: 'welch-t',
        };
        const g = grade(effect, z, flag, act, ctx.stats);
        return finding(
          def,
          {
            grade: g,
            effect,
            flag,
            z,
            evidence: { ...ev, samplesCandidate: ca.count, samplesBaseline: ba.count },
            reason,
            span,
          },
          ctx,
        );
      }),
  };
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
    evaluate(c, b, ctx) {
      const flag = ctx.tier.latency.flag.p95Ratio - 1;
      const act = ctx.tier.latency.act.p95Ratio - 1;
      const onAct = ctx.span === 'flag' ? null : ratioOn(c.act, b.act, q, ctx);
      const onFlag = rule && ctx.span !== 'act' ? ratioOn(c.flag, b.flag, q, ctx) : null;
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
      const severity = Math.max(gAct?.severity ?? 0, gFlag?.severity ?? 0);
      const reason =
        `${label} ${formatChange(r.ratio)} vs ${ctx.baselineLabel} (${formatValue(r.candidate, 'ms')} vs ` +
        `${formatValue(r.baseline, 'ms')}, z=${r.z.toFixed(1)}, ${samples(r.samplesCandidate, r.samplesBaseline)}, ${minutes} min)`;
      const ev = {
        candidate: r.candidate,
        baseline: r.baseline,
        statistic: r.ratio,
        statisticKind: 'ratio',
        samplesCandidate: r.samplesCandidate,
        samplesBaseline: r.samplesBaseline,
      };
      const graded = { level: g.level, severity };
      return finding(
        def,
        { grade: graded, effect: r.ratio - 1, flag, z: r.z, evidence: ev, reason, span },
        ctx,
      );
    },
  };
}
