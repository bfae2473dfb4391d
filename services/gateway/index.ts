/** The gateway SDK: telemetry producer, routing follower, and the simulator built on them. */
export { TelemetryProducer } from './telemetry-producer.ts';
export type {
  DeliveredBatch,
  GatewayEvent,
  ProducerStats,
  TelemetryProducerOptions,
} from './telemetry-producer.ts';
export { RoutingFollower } from './routing-follower.ts';
export type { FollowerStats, RoutingChange, RoutingFollowerOptions } from './routing-follower.ts';
export { RoutingTable, judgeRouting, type RoutingVerdict } from './routing-table.ts';
export { chooseRoute, type RouteChoice, type ServedArm } from './route-choice.ts';
export { DeliveryError, ProducerClosedError, WaitTimeoutError } from './errors.ts';
export { createGatewayRuntime, type GatewayRuntime, type GatewayRuntimeOptions } from './gateway-runtime.ts';
export { createSimulator } from './simulator/simulator.ts';
export type {
  EventSink,
  RouteSource,
  Simulator,
  SimulatorOptions,
  SimulatorStats,
} from './simulator/simulator.ts';
export { acceleratedClock, realTimeClock, type SimClock } from './simulator/clock.ts';
export { buildFleet, defaultTiers, type SimTenant, type TierSpec } from './simulator/fleet.ts';
export {
  regressionPresets,
  type BundleProfile,
  type Regression,
  type RegressionPreset,
} from './simulator/profiles.ts';
export { WallClockIndex, type WallSpan } from './simulator/wall-index.ts';
export { formatRoutingChange } from './routing-timeline.ts';
