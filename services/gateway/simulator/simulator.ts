/**
 * The gateway simulator: the traffic model driven by a clock, routed by a RoutingFollower, produced by
 * a TelemetryProducer. Every `tickMs` of wall time it draws the requests whose event time has come and
 * sends them (awaiting each send, so a full producer buffer slows the simulator rather than growing
 * memory). When reversion routes a tenant back, its next requests go to the stable bundle.
 *
 * The simulator owns neither the producer nor the follower: the caller starts them before `start()`
 * and closes them after `stop()`.
 */
import type { RoutingCommand } from '../../../schemas/types.ts';
import type { DeliveredBatch, GatewayEvent } from '../telemetry-producer.ts';
import type { SimClock } from './clock.ts';
import { buildFleet, type SimTenant, type TierSpec } from './fleet.ts';
import type { BundleProfile, Regression } from './profiles.ts';
import { TrafficEngine, type EngineStats } from './traffic-engine.ts';
import { WallClockIndex } from './wall-index.ts';

/** What the simulator needs of a TelemetryProducer. */
export interface EventSink {
  send(event: GatewayEvent): Promise<void>;
  onDelivered?(listener: (batch: DeliveredBatch) => void): () => void;
}

/** What the simulator needs of a RoutingFollower. */
export interface RouteSource {
  routeFor(tenantId: string): RoutingCommand | undefined;
}

export interface SimulatorOptions {
  readonly producer: EventSink;
  /** Absent: every tenant is served `defaultBundleId`. */
  readonly follower?: RouteSource;
  readonly clock: SimClock;
  readonly seed: number;
  readonly tenants: number;
  readonly tiers?: Readonly<Record<string, TierSpec>>;
  /** Multiplies every tenant's request rate. Default 1. */
  readonly rateScale?: number;
  /** Served to tenants without routing. */
  readonly defaultBundleId: string;
  readonly profiles?: Readonly<Record<string, Partial<BundleProfile>>>;
  /** `fromMs` is event time, epoch ms (see `clock.startEpochMs`). */
  readonly regressions?: readonly Regression[];
  /** Stops by itself after this much event time, ms. Default: runs until `stop()`. */
  readonly durationMs?: number;
  /** Wall ms between draws. Default 50. */
  readonly tickMs?: number;
  readonly gatewayId?: string;
  /** Tenant ids are `<prefix><index, 3 digits>`. Default `tenant-`. */
  readonly tenantIdPrefix?: string;
  /** Prefix of event ids. Default derived from seed and start time, so reruns do not collide. */
  readonly runId?: string;
  /** Called when the loop fails (a send rejected); the simulator has stopped. */
  readonly onError?: (error: unknown) => void;
}

export interface SimulatorStats extends EngineStats {
  /** Events whose send() resolved. */
  readonly sent: number;
  /** Event time the last draw's sends took, ms: how far production lags the clock (at 60×, 1 wall ms = 60). */
  readonly lagMs: number;
  readonly running: boolean;
}

export interface Simulator {
  readonly tenants: readonly SimTenant[];
  /**
   * Wall time of acknowledgement per event-time second (needs a producer with `onDelivered`). Keeps
   * recording the producer's acknowledgements after `stop()`, so the last events are included.
   */
  readonly wallIndex: WallClockIndex;
  readonly clock: SimClock;
  start(): void;
  /** Stops drawing and waits for the sends in progress; resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Resolves when the loop ends (duration reached, `stop()`, or an error). */
  readonly done: Promise<void>;
  stats(): SimulatorStats;
  /** Changes a bundle's behaviour from now on (or from `fromMs`). */
  inject(regression: Regression): void;
  /** Served requests of a tenant per bundle id, since the start. */
  tenantTraffic(tenantId: string): Readonly<Record<string, number>>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createSimulator(options: SimulatorOptions): Simulator {
  const { clock, producer } = options;
  const tenants = buildFleet({
    tenants: options.tenants,
    seed: options.seed,
    rateScale: options.rateScale ?? 1,
    ...(options.tiers ? { tiers: options.tiers } : {}),
    ...(options.tenantIdPrefix ? { idPrefix: options.tenantIdPrefix } : {}),
  });
  const startMs = clock.now();
  const endMs = options.durationMs === undefined ? Infinity : startMs + options.durationMs;
  const engine = new TrafficEngine({
    fleet: tenants,
    seed: options.seed,
    startMs,
    runId: options.runId ?? `sim${options.seed}-${Math.floor(startMs).toString(36)}`,
    gatewayId: options.gatewayId ?? 'sim-gw',
    defaultBundleId: options.defaultBundleId,
    ...(options.profiles ? { profiles: options.profiles } : {}),
    ...(options.regressions ? { regressions: options.regressions } : {}),
  });
  const route =
    options.follower === undefined ? () => undefined : (id: string) => options.follower?.routeFor(id);
  const wallIndex = new WallClockIndex();
  let sent = 0;
  let lagMs = 0;
  let running = false;
  let stopping = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  async function loop(): Promise<void> {
    while (!stopping) {
      const until = Math.min(clock.now(), endMs);
      for (const event of engine.advance(until, route)) {
        await producer.send(event);
        sent++;
      }
      lagMs = Math.max(0, Math.min(clock.now(), endMs) - until);
      if (until >= endMs) break;
      await sleep(options.tickMs ?? 50);
    }
  }

  return {
    tenants,
    wallIndex,
    clock,
    done,
    start() {
      if (running) return;
      running = true;
      producer.onDelivered?.((b) => wallIndex.record(b.eventTimes, b.ackedAt));
      loop()
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          running = false;
          finish();
        });
    },
    async stop() {
      stopping = true;
      if (running) await done;
    },
    stats() {
      return { ...engine.stats(), sent, lagMs, running };
    },
    inject: (regression) => engine.inject(regression),
    tenantTraffic: (tenantId) => engine.tenantTraffic(tenantId),
  };
}
