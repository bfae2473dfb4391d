/** The simulator CLI's flags, parsed and checked (commander), as plain options. */
import { Command, InvalidArgumentError } from 'commander';
import { isRegressionPreset, regressionPresets, type RegressionPreset } from './profiles.ts';

export interface SimCliOptions {
  readonly tenants: number;
  readonly rate: number;
  /** Event ms per wall ms; 1 = real time. */
  readonly speed: number;
  readonly seed: number;
  /** Event-time seconds; undefined: until SIGTERM. */
  readonly duration: number | undefined;
  readonly stable: string;
  readonly candidate: string | undefined;
  readonly regression: RegressionPreset;
  /** Event-time seconds after the start. */
  readonly regressionAfter: number;
  readonly regressionTiers: string[] | undefined;
  readonly follow: boolean;
  readonly gatewayId: string;
  /** Wall seconds between stats lines; 0: none. */
  readonly statsEvery: number;
  readonly metricsPort: number | undefined;
  /** Appended to the telemetry, evals and routing topic names (side-by-side environments). */
  readonly topicSuffix: string | undefined;
}

const number =
  (min: number, integer = false) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
    }
    return n;
  };

const preset = (raw: string): RegressionPreset => {
  if (!isRegressionPreset(raw))
    throw new InvalidArgumentError(`one of ${Object.keys(regressionPresets).join(', ')}`);
  return raw;
};

export function simCommand(): Command {
  return new Command('gateway-sim')
    .description(
      'Simulated agent gateways: tenant traffic to agent.telemetry.v1 / agent.evals.v1, routed by deploy.routing.v1',
    )
    .option('--tenants <n>', 'number of tenants', number(1, true), 30)
    .option('--rate <x>', 'multiplies every tenant request rate', number(0), 1)
    .option(
      '--speed <x>',
      'event time per wall time (1 = real time, 60 = a minute per second)',
      number(0.001),
      1,
    )
    .option('--seed <n>', 'PRNG seed', number(0, true), 42)
    .option('--duration <s>', 'event-time seconds to run (default: until SIGTERM)', number(0))
    .option('--stable <bundleId>', 'bundle served to tenants without routing', 'b-stable')
    .option('--candidate <bundleId>', 'bundle the regression applies to')
    .option(
      '--regression <preset>',
      `injected regression: ${Object.keys(regressionPresets).join(', ')}`,
      preset,
      'none',
    )
    .option('--regression-after <s>', 'event-time seconds after the start', number(0), 0)
    .option('--regression-tiers <list>', 'comma-separated tiers affected (default: all)', (s) =>
      s.split(',').filter(Boolean),
    )
    .option('--no-follow', 'ignore deploy.routing.v1: serve --stable to everyone')
    .option('--gateway-id <id>', 'gatewayId of the events', 'sim-gw')
    .option('--stats-every <s>', 'wall seconds between stats lines (0: none)', number(0), 5)
    .option('--metrics-port <port>', 'serve Prometheus /metrics on this port', number(0, true))
    .option('--topic-suffix <s>', 'append to the telemetry, evals and routing topic names');
}

/** Parses `argv` (without node and script); commander exits with usage on a bad flag. */
export function parseSimArgs(argv: readonly string[], command = simCommand()): SimCliOptions {
  const o = command.parse([...argv], { from: 'user' }).opts<SimCliOptions>();
  if (o.regression !== 'none' && o.candidate === undefined)
    command.error('--regression needs --candidate <bundleId>');
  return o;
}
