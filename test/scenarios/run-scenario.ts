/**
 * Runs one scenario through the replay composition with a policy and measures what the detector did:
 * decisions, tenants acted on (right and wrong), and the event-time delay from onset to first action.
 */
import type { AlertScore, RollbackDecision } from '../../schemas/types.ts';
import { createReplaySession, type ReplaySummary } from '../../services/detect/replay/index.ts';
import { generateScenario } from './generator.ts';
import type { ScenarioCase } from './scenarios.ts';

export interface ScenarioOutcome {
  name: string;
  records: number;
  elapsedMs: number;
  decisions: RollbackDecision[];
  summary: ReplaySummary;
  /** tenants in route_back decisions */
  routedBack: string[];
  halted: boolean;
  /** routed back but not affected */
  wrongTenants: string[];
  /** affected but never routed back */
  missedTenants: string[];
  /** first route_back/halt_rollout at or after the onset, minus the onset, ms of event time; null when none or benign */
  firstActionDelayMs: number | null;
  /** route_back/halt_rollout decisions before the onset (false alarms) */
  preOnsetActions: RollbackDecision[];
  /** the latest AlertScore of every tenant, for diagnosis */
  lastScores: Map<string, AlertScore>;
  /** every AlertScore of the tenants named in `watch` */
  watched: AlertScore[];
}

const ACTIONS = new Set(['route_back', 'halt_rollout']);

export function runScenario(c: ScenarioCase, watch: ReadonlySet<string> = new Set()): ScenarioOutcome {
  const started = performance.now();
  const lastScores = new Map<string, AlertScore>();
  const watched: AlertScore[] = [];
  const session = createReplaySession({
    observers: {
      onScore(s) {
        lastScores.set(s.tenantId, s);
        if (watch.has(s.tenantId)) watched.push(s);
      },
    },
  });
  const decisions: RollbackDecision[] = [];
  let records = 0;
  for (const record of generateScenario(c.spec)) {
    records += 1;
    for (const d of session.push(record)) decisions.push(d);
  }
  for (const d of session.finish()) decisions.push(d);
  const elapsedMs = performance.now() - started;

  const routedBack = [
    ...new Set(decisions.filter((d) => d.action === 'route_back').flatMap((d) => d.tenantIds)),
  ].sort();
  const halted = decisions.some((d) => d.action === 'halt_rollout');
  const affected = new Set(c.expect.affected ?? []);
  const onset = c.expect.onsetMs === undefined ? undefined : c.spec.startEpochMs + c.expect.onsetMs;
  const acted = decisions.filter((d) => ACTIONS.has(d.action));
  const afterOnset = acted.filter((d) => onset !== undefined && d.decidedAt >= onset);
  const firstAt = afterOnset.length > 0 ? Math.min(...afterOnset.map((d) => d.decidedAt)) : null;
  return {
    name: c.spec.name,
    records,
    elapsedMs,
    decisions,
    summary: session.summary(),
    routedBack,
    halted,
    wrongTenants: routedBack.filter((t) => !affected.has(t)),
    missedTenants: [...affected].filter((t) => !routedBack.includes(t)).sort(),
    firstActionDelayMs: firstAt !== null && onset !== undefined ? firstAt - onset : null,
    preOnsetActions: onset === undefined ? [] : acted.filter((d) => d.decidedAt < onset),
    lastScores,
    watched,
  };
}
