/**
 * Seeded scenario generator: synthetic gateway traffic for a tenant fleet, a canary, and the injected
 * effects of a ScenarioSpec. The same spec yields the same records. Records are in event-time order
 * except the injected late ones; duplicates repeat an event verbatim a few seconds later.
 */
import type { RolloutCommand } from '../../schemas/types.ts';
import type { ReplayInput } from '../../services/detect/replay/parse-input-line.ts';
import { Prng } from './prng.ts';
import { drawEval, drawTelemetry, profileAt } from './request-draw.ts';
import { MINUTE, type ScenarioSpec } from './scenario-spec.ts';

interface Pending {
  emitMs: number;
  seq: number;
  record: ReplayInput;
}

const byEmitTime = (a: Pending, b: Pending): number => a.emitMs - b.emitMs || a.seq - b.seq;

function startCommand(spec: ScenarioSpec, rolloutId: string): RolloutCommand {
  const c = spec.canary;
  return {
    commandId: `cmd-${rolloutId}-start`,
    rolloutId,
    action: 'start',
    strategy: 'canary',
    candidateBundleId: c.candidateBundleId,
    baselineBundleId: c.baselineBundleId,
    tenants: spec.tenants.map((t) => ({ tenantId: t.tenantId, tenantTier: t.tier })),
    canaryPercent: c.percent,
    actor: 'scenario',
    reason: spec.name,
    issuedAt: spec.startEpochMs + c.startMs,
  };
}

/** The records of a scenario, in emission order. Lazily generated, one minute of traffic at a time. */
export function* generateScenario(spec: ScenarioSpec): Generator<ReplayInput> {
  const rng = new Prng(spec.seed);
  const { canary, effects } = spec;
  let seq = 0;
  let requestNo = 0;
  let pending: Pending[] = [];
  const push = (emitMs: number, record: ReplayInput): void => {
    pending.push({ emitMs, seq: seq++, record });
  };
  if (canary.rolloutId !== undefined) {
    push(spec.startEpochMs + canary.startMs - 1, {
      type: 'rollout',
      command: startCommand(spec, canary.rolloutId),
    });
  }
  for (let minuteStart = 0; minuteStart < spec.durationMs; minuteStart += MINUTE) {
    const midMs = minuteStart + MINUTE / 2;
    const canaryOn = minuteStart >= canary.startMs;
    for (const tenant of spec.tenants) {
      const stable = profileAt(tenant, 'stable', 'canary', midMs, effects);
      const onCanary = profileAt(tenant, 'canary', 'canary', midMs, effects);
      const n = rng.poisson(tenant.ratePerMin * stable.rateFactor);
      for (let i = 0; i < n; i++) {
        const tMs = minuteStart + Math.floor(rng.next() * MINUTE);
        const isCanary = canaryOn && rng.chance(canary.percent / 100);
        const profile = isCanary ? onCanary : stable;
        const event = drawTelemetry(rng, {
          eventId: `ev-${(requestNo++).toString(36).padStart(6, '0')}`,
          timestampMs: spec.startEpochMs + tMs,
          tenant,
          arm: isCanary ? 'canary' : 'stable',
          bundleId: isCanary ? canary.candidateBundleId : canary.baselineBundleId,
          profile,
        });
        const late = rng.chance(spec.late.rate);
        const emitMs = late
          ? event.timestamp + rng.int(spec.late.minDelayMs, spec.late.maxDelayMs)
          : event.timestamp;
        push(emitMs, { type: 'telemetry', event });
        if (rng.chance(spec.duplicateRate))
          push(emitMs + rng.int(0, 3_000), { type: 'telemetry', event: { ...event } });
        if (rng.chance(spec.evalRate)) {
          const ev = drawEval(rng, event, canary.baselineBundleId, profile);
          push(ev.timestamp, { type: 'eval', event: ev });
        }
      }
    }
    const horizon = spec.startEpochMs + minuteStart + MINUTE;
    pending.sort(byEmitTime);
    let cut = 0;
    while (cut < pending.length && (pending[cut] as Pending).emitMs < horizon) cut++;
    for (let i = 0; i < cut; i++) yield (pending[i] as Pending).record;
    pending = pending.slice(cut);
  }
  pending.sort(byEmitTime);
  for (const p of pending) yield p.record;
}

/** One record as a JSON line in the replay input format (`type` first, omitted for telemetry). */
export function toJsonLine(record: ReplayInput): string {
  switch (record.type) {
    case 'telemetry':
      return JSON.stringify(record.event);
    case 'eval':
      return JSON.stringify({ type: 'eval', ...record.event });
    case 'rollout':
      return JSON.stringify({ type: 'rollout', ...record.command });
  }
}
