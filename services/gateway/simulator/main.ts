/**
 * Simulator CLI: `tsx services/gateway/simulator/main.ts --tenants 30 --speed 60 --regression latency
 * --candidate b-xyz`. Wires config → Kafka → producer and follower → simulator; prints the routing
 * timeline and periodic stats; flushes on SIGTERM / SIGINT.
 */
import { topics } from '../../../topology/topics.ts';
import { createGatewayRuntime } from '../gateway-runtime.ts';
import { RoutingFollower } from '../routing-follower.ts';
import { formatRoutingChange } from '../routing-timeline.ts';
import { TelemetryProducer } from '../telemetry-producer.ts';
import { parseSimArgs } from './cli-options.ts';
import { acceleratedClock, realTimeClock } from './clock.ts';
import { createSimulator } from './simulator.ts';

const opts = parseSimArgs(process.argv.slice(2));
const suffixed = (key: 'telemetry' | 'evals' | 'routing') => `${topics[key].name}${opts.topicSuffix ?? ''}`;
const { logger, metrics, kafka, codec } = createGatewayRuntime({
  service: 'gateway-sim',
  topics: { telemetry: suffixed('telemetry'), evals: suffixed('evals'), routing: suffixed('routing') },
});
const out = (line: string): boolean => process.stdout.write(`${line}\n`);
const iso = (ms: number): string => new Date(ms).toISOString();

const producer = new TelemetryProducer({ kafka, codec, logger, metrics });
await producer.start();
const follower = opts.follow
  ? new RoutingFollower({ kafka, codec, logger, metrics, gatewayId: opts.gatewayId })
  : undefined;
follower?.onChange((c) => c.live && out(formatRoutingChange(c)));
await follower?.start();
await follower?.ready(60_000);

const clock = opts.speed === 1 ? realTimeClock() : acceleratedClock({ speed: opts.speed });
const sim = createSimulator({
  producer,
  ...(follower ? { follower } : {}),
  clock,
  seed: opts.seed,
  tenants: opts.tenants,
  rateScale: opts.rate,
  defaultBundleId: opts.stable,
  gatewayId: opts.gatewayId,
  ...(opts.duration === undefined ? {} : { durationMs: opts.duration * 1000 }),
  regressions:
    opts.candidate === undefined || opts.regression === 'none'
      ? []
      : [
          {
            bundleId: opts.candidate,
            profile: opts.regression,
            fromMs: clock.startEpochMs + opts.regressionAfter * 1000,
            ...(opts.regressionTiers ? { tiers: opts.regressionTiers } : {}),
          },
        ],
  onError: (err) => logger.error({ err }, 'simulator stopped'),
});
const server = opts.metricsPort === undefined ? undefined : await metrics.serve(opts.metricsPort);
out(
  `${sim.tenants.length} tenants (${[...new Set(sim.tenants.map((t) => t.tier))].join(', ')}), event time from ${iso(clock.startEpochMs)} at ${opts.speed}×`,
);
sim.start();

const timer =
  opts.statsEvery > 0
    ? setInterval(() => {
        const s = sim.stats();
        const p = producer.stats();
        out(
          `[event ${iso(s.untilMs)}] requests ${s.requests} (stable ${s.byArm.stable}, canary ${s.byArm.canary}, shadow ${s.byArm.shadow}) evals ${s.evals} acked ${p.sent} buffered ${p.buffered} lag ${Math.round(s.lagMs)} ms`,
        );
      }, opts.statsEvery * 1000)
    : undefined;

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'stopping');
  clearInterval(timer);
  await sim.stop();
  await producer.close().catch((err: unknown) => logger.error({ err }, 'telemetry not fully flushed'));
  await follower?.stop();
  await server?.close();
  out(`stopped: ${JSON.stringify(sim.stats())}`);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
await sim.done;
await shutdown('done');
