/**
 * The signals service as a unit main.ts and the tests start: the rollout global table (the rollout
 * directory) and the StreamRunner over telemetry + evals with its store, validation and output.
 */
import { GlobalTable } from '../core/global-table.ts';
import { StreamRunner, type RunnerDeps } from '../core/runner.ts';
import { aggregationParamsOf } from '../detect/replay/detect-stages.ts';
import { implausibleEval, implausibleTelemetry } from '../detect/replay/plausibility.ts';
import type { Policy } from '../detect/policy/index.ts';
import { RolloutDirectory } from './rollout-directory.ts';
import { SignalsProcessor, TENANT_STORE, type SignalsInput } from './signals-processor.ts';

export interface SignalsServiceOptions {
  readonly policy: Policy;
  /** Default `signals`: changelog topic and state directory names. */
  readonly app?: string;
  /** Default `backtrack-<app>`. */
  readonly groupId?: string;
  /** Default `changelogTopic(app, store)` of the topology. */
  readonly changelogTopic?: (store: string) => string;
  /** Decoded tenant states cached per partition (default 5 000). */
  readonly cacheTenants?: number;
  /** Largest input batch per partition, bytes (default 4 MiB; each batch costs one state flush). */
  readonly maxBatchBytes?: number;
  /**
   * Input batches of different partitions handled at once (default 2): one partition's commit round
   * trips overlap another's processing. Each fetch asks for at least this many full batches.
   */
  readonly partitionsConcurrently?: number;
}

/**
 * With a backlog, each batch is one commit cycle: every tenant touched is re-encoded and written to
 * RocksDB and the changelog. 4 MiB (~35 000 telemetry records) instead of kafkajs' 1 MiB cuts those
 * writes ~4x per record (bench/RESULTS.md); with no backlog, batches are small either way.
 */
const DEFAULT_MAX_BATCH_BYTES = 4 * 2 ** 20;
/**
 * One batch at a time, the event loop sat idle 11–13 % of a backlog run (profiles: up to 33 %) waiting
 * for commit round trips (changelog send with acks=all, offset commit); with 2, 4–5 %. 4 (with 16 MiB
 * fetches) idled 2 % but cost ~20 % more CPU per event (probably more fetched records alive at once).
 */
const DEFAULT_PARTITIONS_CONCURRENTLY = 2;
/** kafkajs' default fetch size, the floor: a fetch of 10 MiB feeds fewer than 3 batches of 4 MiB. */
const MIN_FETCH_BYTES = 10 * 2 ** 20;

export class SignalsService {
  readonly runner: StreamRunner<SignalsInput>;
  readonly rollouts: GlobalTable<'rollouts'>;

  constructor(deps: RunnerDeps, options: SignalsServiceOptions) {
    const params = aggregationParamsOf(options.policy);
    const tiers = Object.keys(options.policy.tiers);
    this.rollouts = new GlobalTable(deps, { topic: 'rollouts' });
    const directory = RolloutDirectory.following(this.rollouts);
    const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    const concurrently = options.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY;
    this.runner = new StreamRunner(
      {
        app: options.app ?? 'signals',
        ...(options.groupId === undefined ? {} : { groupId: options.groupId }),
        ...(options.changelogTopic === undefined ? {} : { changelogTopic: options.changelogTopic }),
        inputs: ['telemetry', 'evals'],
        outputs: ['signals'],
        stores: [{ name: TENANT_STORE, cacheEntries: 0 }],
        maxBatchBytes,
        maxFetchBytes: Math.max(MIN_FETCH_BYTES, concurrently * maxBatchBytes),
        partitionsConcurrently: concurrently,
        eventTime: { telemetry: (e) => e.timestamp, evals: (e) => e.timestamp },
        validate: { telemetry: implausibleTelemetry, evals: implausibleEval },
        processor: () =>
          new SignalsProcessor({
            params,
            tiers,
            rolloutIdFor: directory.rolloutIdFor,
            ...(options.cacheTenants === undefined ? {} : { cacheTenants: options.cacheTenants }),
          }),
      },
      deps,
    );
  }

  /** Resolves after `stop()`; rejects when the runner fails for good. */
  get done(): Promise<void> {
    return this.runner.done;
  }

  /** Loads the rollout directory, then starts consuming. */
  async start(): Promise<void> {
    await this.rollouts.start();
    await this.rollouts.ready();
    await this.runner.start();
  }

  /** Last commit, stores closed, clients disconnected. */
  async stop(): Promise<void> {
    await this.runner.stop();
    await this.rollouts.stop();
  }
}
