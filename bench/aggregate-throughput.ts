/**
 * Stage 1 (aggregate) throughput on one core: 1 M synthetic telemetry events for 1 000 tenants
 * through observeTelemetry, with closeWindows for every tenant at each sub-window of stream time
 * (as the signals punctuator does). Events are generated in chunks outside the timed section.
 *
 * Cost = events x (observe cost) + snapshots x (snapshot cost): one snapshot per tenant with
 * candidate traffic per sub-window of event time, so sparse tenants (few events per tenant-minute)
 * spend most of the time in closes. --events-per-tenant-minute sets that density (default 100;
 * 20 is the snapshot-heavy case).
 *
 *   node --import tsx bench/aggregate-throughput.ts [--events N] [--tenants N] [--canary-share R]
 *        [--events-per-tenant-minute N] [--duplicate-share R]
 *   node --cpu-prof --import tsx bench/aggregate-throughput.ts
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { SignalSnapshot, TelemetryEvent } from '../schemas/types.ts';
import { mulberry32, syntheticTelemetry, type SyntheticSpec } from './lib/synthetic-telemetry.ts';
import {
  advanceStreamTime,
  closeWindows,
  decodeTenantState,
  defaultAggregationParams as params,
  encodeTenantState,
  initialTenantState,
  observeTelemetry,
  type TenantState,
} from '../services/detect/aggregate/index.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    tenants: { type: 'string', default: '1000' },
    'canary-share': { type: 'string', default: '0.1' },
    'events-per-tenant-minute': { type: 'string', default: '100' },
    'duplicate-share': { type: 'string', default: '0.005' },
  },
});
const EVENTS = Number(args.events);
const TENANTS = Number(args.tenants);
const CANARY_SHARE = Number(args['canary-share']);
const RATE = Number(args['events-per-tenant-minute']);
const DUPLICATES = Number(args['duplicate-share']);
const CHUNK = 10_000;
const T0 = 1_700_000_040_000;

const spec: SyntheticSpec = {
  tenants: TENANTS,
  eventsPerTenantMinute: RATE,
  canaryShare: CANARY_SHARE,
  stableBundleId: 'b-stable',
  candidateBundleId: 'b-candidate',
  startMs: T0,
  canaryLatencyFactor: 1.1,
};
const rand = mulberry32(7);

/** `n` events from `from`, a share DUPLICATES of them re-sent (the previous event again). */
function makeChunk(from: number, n: number): TelemetryEvent[] {
  const out = [...syntheticTelemetry(spec, from, n)];
  for (let j = 1; j < n; j++) if (rand() < DUPLICATES) out[j] = out[j - 1]!;
  return out;
}

const states = new Map<string, TenantState>();
const rolloutIdFor = (c: string, b: string): string => `${c}~${b}`;
let streamTime = -Infinity;
let nextPunctuation = -Infinity;
let observeNs = 0n;
/** process CPU time (every thread, GC helpers included) of the timed sections */
let cpuMicros = 0;
let closeNs = 0n;
let snapshots = 0;
let lastSnapshot: SignalSnapshot | undefined;
const verdicts = { accepted: 0, duplicate: 0, late: 0, future: 0 };

function punctuate(): void {
  for (const s of states.values()) {
    const out = closeWindows(s, streamTime, params, rolloutIdFor);
    snapshots += out.length;
    if (out.length > 0) lastSnapshot = out[out.length - 1];
  }
}

for (let done = 0; done < EVENTS; done += CHUNK) {
  const chunk = makeChunk(done, Math.min(CHUNK, EVENTS - done));
  const cpu = process.cpuUsage();
  let t = process.hrtime.bigint();
  for (const e of chunk) {
    let s = states.get(e.tenantId);
    if (s === undefined) states.set(e.tenantId, (s = initialTenantState(e.tenantId)));
    verdicts[observeTelemetry(s, e, streamTime, params)]++;
    streamTime = advanceStreamTime(streamTime, e.timestamp, params);
    if (streamTime >= nextPunctuation) {
      const now = process.hrtime.bigint();
      observeNs += now - t;
      punctuate();
      t = process.hrtime.bigint();
      closeNs += t - now;
      nextPunctuation = (Math.floor(streamTime / params.subWindowMs) + 1) * params.subWindowMs;
    }
  }
  observeNs += process.hrtime.bigint() - t;
  const used = process.cpuUsage(cpu);
  cpuMicros += used.user + used.system;
}

const encodeStart = process.hrtime.bigint();
const sizes = [...states.values()].map((s) => encodeTenantState(s));
const encodeNs = process.hrtime.bigint() - encodeStart;
const decodeStart = process.hrtime.bigint();
for (const b of sizes) decodeTenantState(b);
const decodeNs = process.hrtime.bigint() - decodeStart;
const bytes = sizes.map((b) => b.length).sort((a, b) => a - b);

const totalS = Number(observeNs + closeNs) / 1e9;
const result = {
  events: EVENTS,
  tenants: TENANTS,
  canaryShare: CANARY_SHARE,
  eventsPerTenantMinute: RATE,
  eventTimeMinutes: Math.round(EVENTS / (RATE * TENANTS)),
  eventsPerSecond: Math.round(EVENTS / totalS),
  eventsPerProcessCpuSecond: Math.round(EVENTS / (cpuMicros / 1e6)),
  observeOnlyEventsPerSecond: Math.round(EVENTS / (Number(observeNs) / 1e9)),
  microsPerEventObserve: +(Number(observeNs) / 1e3 / EVENTS).toFixed(2),
  observeSeconds: +(Number(observeNs) / 1e9).toFixed(3),
  closeSeconds: +(Number(closeNs) / 1e9).toFixed(3),
  snapshots,
  microsPerSnapshot: snapshots > 0 ? +(Number(closeNs) / 1e3 / snapshots).toFixed(1) : null,
  verdicts,
  stateBytes: {
    mean: Math.round(bytes.reduce((a, b) => a + b, 0) / bytes.length),
    p50: bytes[bytes.length >> 1],
    max: bytes.at(-1),
  },
  encodeMicrosPerState: +(Number(encodeNs) / 1e3 / sizes.length).toFixed(1),
  decodeMicrosPerState: +(Number(decodeNs) / 1e3 / sizes.length).toFixed(1),
  snapshotSketchBytes: lastSnapshot?.candidate.latencySketch.length,
  heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  loadAverage1m: +loadavg()[0]!.toFixed(2),
};
console.log(
  `stage 1 aggregate: ${result.eventsPerSecond.toLocaleString('en')} events/s ` +
    `(${RATE} events/tenant-minute; observe ${result.microsPerEventObserve} µs/event, ` +
    `${snapshots} snapshots at ${result.microsPerSnapshot} µs each); ` +
    `tenant state ${result.stateBytes.mean} B mean, ${result.stateBytes.max} B max`,
);
console.log(JSON.stringify(result));
