/**
 * The parts of the end-to-end pipeline, started in process the way each service's main.ts starts them
 * (same classes, same defaults), on the test's topic names, consumer groups and changelogs. Each part
 * is registered with the Closers before it starts.
 */
import type { Bundle } from '../../schemas/types.ts';
import type { Policy } from '../../services/detect/policy/index.ts';
import { RoutingFollower } from '../../services/gateway/routing-follower.ts';
import { acceleratedClock } from '../../services/gateway/simulator/clock.ts';
import type { BundleProfile, RegressionPreset } from '../../services/gateway/simulator/profiles.ts';
import { createSimulator, type Simulator } from '../../services/gateway/simulator/simulator.ts';
import { TelemetryProducer } from '../../services/gateway/telemetry-producer.ts';
import type { BundleRegistry } from '../../services/registry/service.ts';
import type { ReversionOptions } from '../../services/reversion/core/index.ts';
import { ReversionService } from '../../services/reversion/service.ts';
import { SignalsService } from '../../services/signals/signals-service.ts';
import { triggerRunner } from '../../services/trigger/trigger-service.ts';
import type { TestRuntime } from '../integration/helpers.ts';
import type { Closers } from './closers.ts';
import type { E2eTopics } from './e2e-topics.ts';
import { registerDemoBundles } from '../../scripts/demo/bundles.ts';

export interface ServiceSettings {
  readonly closers: Closers;
  readonly topics: E2eTopics;
  readonly policy: Policy;
  /** Prefix of every consumer group of the run. */
  readonly groupPrefix: string;
  /** Trigger's wall-clock hold per window; absent: the service default (3 000 ms). */
  readonly triggerHoldMs?: number;
  readonly reversion?: Partial<ReversionOptions>;
  /** Called when a service's runner fails for good (it has stopped). */
  readonly onFailure: (service: string, error: unknown) => void;
}

/** signals, trigger and reversion, each with its own runtime (Kafka client, codec, state directory). */
export async function startServices(
  rt: Record<'signals' | 'trigger' | 'reversion', TestRuntime>,
  s: ServiceSettings,
): Promise<void> {
  const signals = new SignalsService(rt.signals, {
    policy: s.policy,
    groupId: `${s.groupPrefix}-signals`,
    changelogTopic: s.topics.changelog('signals'),
  });
  const trigger = triggerRunner(rt.trigger, {
    policy: s.policy,
    groupId: `${s.groupPrefix}-trigger`,
    changelogTopic: s.topics.changelog('trigger'),
    ...(s.triggerHoldMs === undefined ? {} : { holdMs: s.triggerHoldMs }),
  });
  const reversion = new ReversionService(rt.reversion, {
    options: s.reversion ?? {},
    targets: [],
    delivery: { timeoutMs: 2_000, retries: 0, initialBackoffMs: 10, maxBackoffMs: 10 },
    maxPayloadBytes: 16_384,
    tickIntervalMs: 200,
    groupId: `${s.groupPrefix}-reversion`,
    changelogTopic: s.topics.changelog('reversion'),
  });
  await Promise.all([
    s.closers.up(
      'signals',
      () => signals.start(),
      () => signals.stop(),
    ),
    s.closers.up(
      'trigger',
      () => trigger.start(),
      () => trigger.stop(),
    ),
    s.closers.up(
      'reversion',
      () => reversion.start(),
      () => reversion.stop(),
    ),
  ]);
}

/** The demo's stable and candidate bundles (new model version and prompt), with ids unique to the run. */
export async function registerBundles(registry: BundleRegistry, tag: string): Promise<[Bundle, Bundle]> {
  const { stable, candidate } = await registerDemoBundles(registry, {
    actor: 'e2e',
    modelVersions: [`mv-${tag}-a`, `mv-${tag}-b`],
  });
  return [stable, candidate];
}

export interface GatewaySettings {
  readonly closers: Closers;
  readonly groupPrefix: string;
  readonly tag: string;
  readonly stable: Bundle;
  readonly candidate: Bundle;
  /** Event ms per wall ms. */
  readonly speed: number;
  readonly tenants: number;
  readonly rateScale: number;
  readonly seed: number;
  readonly regression?: RegressionPreset | Partial<BundleProfile>;
  /** Called when the simulator stops on an error. */
  readonly onFailure: (part: string, error: unknown) => void;
}

/** A gateway (producer + routing follower, caught up) and the simulator driving it, started. */
export async function startGateway(
  rt: TestRuntime,
  g: GatewaySettings,
): Promise<{ follower: RoutingFollower; sim: Simulator }> {
  const { kafka, codec, logger } = rt;
  const producer = new TelemetryProducer({ kafka, codec, logger });
  await g.closers.up(
    'telemetry producer',
    () => producer.start(),
    () => producer.close(10_000),
  );
  const follower = new RoutingFollower({ kafka, codec, logger, gatewayId: g.groupPrefix });
  await g.closers.up(
    'routing follower',
    () => follower.start(),
    () => follower.stop(),
  );
  await follower.ready(60_000);
  const sim = createSimulator({
    producer,
    follower,
    clock: acceleratedClock({ speed: g.speed }),
    seed: g.seed,
    tenants: g.tenants,
    rateScale: g.rateScale,
    tenantIdPrefix: `${g.tag}-`,
    runId: `e2e-${g.tag}`,
    defaultBundleId: g.stable.bundleId,
    regressions:
      g.regression === undefined ? [] : [{ bundleId: g.candidate.bundleId, profile: g.regression }],
    onError: (err) => g.onFailure('simulator', err),
  });
  await g.closers.up(
    'simulator',
    async () => sim.start(),
    () => sim.stop(),
  );
  return { follower, sim };
}
