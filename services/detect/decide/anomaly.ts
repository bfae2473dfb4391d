import type { Evidence } from '../../../schemas/types.ts';
import type { Policy, TierPolicy } from '../policy/schema.ts';
import { metricOf, type ArmView } from './arm.ts';
import { CUSUM_ZERO, cusumStep } from './cusum.ts';
import { EWMA_EMPTY, ewmaStep } from './ewma.ts';
import { METRICS, type Harm } from './metrics.ts';
import { twoProportionZ, welchT } from './significance.ts';
import type { DetectorState, TenantState } from './state.ts';

/** Contrasts are clipped so one extreme window cannot carry a CUSUM on its own. */
const CLIP = 8;

const harmful = (alarm: 'none' | 'up' | 'down', harm: Harm): boolean =>
  alarm !== 'none' && (harm === 'both' || alarm === harm);

/**
 * Feeds each metric's standardized candidate-vs-baseline contrast (two-proportion z or Welch z) to the
 * tenant's CUSUM and EWMA, once per disjoint window (windowEnd a multiple of windows.windowMs) so the
 * observations do not overlap. Mutates `t.detectors`.
 */
export function updateAnomaly(
  t: TenantState,
  c: ArmView,
  b: ArmView,
  windowEnd: number,
  policy: Policy,
  tp: TierPolicy,
): void {
  if (windowEnd % policy.windows.windowMs !== 0 || windowEnd <= t.detectorsAt) return;
  const { cusum, ewma } = policy.statistics;
  for (const m of METRICS) {
    const ca = metricOf(c, m.name);
    const ba = metricOf(b, m.name);
    if (ca.count < tp.minSamples.candidate || ba.count < tp.minSamples.baseline) continue;
    const contrast = m.kind === 'rate' ? twoProportionZ(ca, ba).z : welchT(ca, ba).z;
    const x = Math.max(-CLIP, Math.min(CLIP, contrast));
    const d: DetectorState = t.detectors[m.name] ?? {
      cusum: CUSUM_ZERO,
      ewma: EWMA_EMPTY,
      alarmAt: -1,
      alarmStatistic: 0,
      alarmKind: 'cusum',
    };
    const cs = cusumStep(d.cusum, x, cusum);
    const es = ewmaStep(d.ewma, x, {
      lambda: ewma.lambda,
      zThreshold: ewma.zThreshold,
      warmup: ewma.warmupWindows,
    });
    let alarm: Pick<DetectorState, 'alarmAt' | 'alarmStatistic' | 'alarmKind'> = d;
    if (harmful(cs.alarm, m.harm))
      alarm = { alarmAt: windowEnd, alarmStatistic: cs.statistic, alarmKind: 'cusum' };
    else if (harmful(es.alarm, m.harm))
      alarm = { alarmAt: windowEnd, alarmStatistic: es.z, alarmKind: 'ewma-z' };
    const next: DetectorState = {
      cusum: cs.state,
      ewma: es.state,
      alarmAt: alarm.alarmAt,
      alarmStatistic: alarm.alarmStatistic,
      alarmKind: alarm.alarmKind,
    };
    t.detectors[m.name] = next;
  }
  t.detectorsAt = windowEnd;
}

/** A in 0..1: metrics with a harmful alarm in the last window, over statistics.anomalySaturation. */
export function anomalyScore(
  t: TenantState,
  c: ArmView,
  b: ArmView,
  windowEnd: number,
  policy: Policy,
  base: Pick<Evidence, 'tenantId' | 'baselineSource'>,
): { score: number; evidence: Evidence[] } {
  const evidence: Evidence[] = [];
  for (const name of Object.keys(t.detectors).sort()) {
    const d = t.detectors[name]!;
    if (d.alarmAt < 0 || windowEnd - d.alarmAt >= policy.windows.windowMs) continue;
    const ca = metricOf(c, name);
    const ba = metricOf(b, name);
    evidence.push({
      metric: name,
      ...base,
      candidate: ca.count > 0 ? ca.sum / ca.count : 0,
      baseline: ba.count > 0 ? ba.sum / ba.count : 0,
      statistic: d.alarmStatistic,
      statisticKind: d.alarmKind,
      samplesCandidate: ca.count,
      samplesBaseline: ba.count,
    });
  }
  return { score: Math.min(1, evidence.length / policy.statistics.anomalySaturation), evidence };
}
