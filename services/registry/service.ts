/**
 * The version registry as a library (demo, CLI, console, tests): reads deploy.bundles.v1 as a table and
 * registers immutable bundles into it. A bundle's id is the hash of its canonical content, so
 * registering the same content again is a no-op (`exists`), and nothing can change what an id means:
 * a conflicting registration throws `BundleRefusedError`, an invalid one `InvalidBundleError`.
 *
 * Lifecycle: `start()` (reads the table to its end, registers the Bundle schema, connects the
 * idempotent producer) → `register` / `get` / `list` → `stop()`. Registrations of one instance are
 * serialized, and `register` returns once the new bundle is read back into the table. Another
 * process's registration shows up when the table reads it (continuously, ~200 ms); two processes
 * registering the same new content inside that window both publish it — same id, same content, the
 * later `registeredAt` wins compaction — harmless by construction.
 */
import type { Counter } from 'prom-client';
import type { Bundle } from '../../schemas/types.ts';
import type { Codec } from '../core/codec.ts';
import { UnavailableError } from '../core/errors.ts';
import * as k from '../core/kafka.ts';
import type { Logger } from '../core/logger.ts';
import { Metrics } from '../core/metrics.ts';
import { parseBundleContent, bundleIdOf } from './bundle-content.ts';
import { BundleTable } from './bundle-table.ts';
import { registerBundle } from './register-bundle.ts';
import { BundleRefusedError, InvalidBundleError } from './registry-errors.ts';

export interface BundleRegistryOptions {
  readonly kafka: k.Kafka;
  /** Its `bundles` binding names the topic. */
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Wall clock, epoch ms: `registeredAt`. */
  readonly now?: () => number;
  /** ms to wait for the table at start (default 30 000). */
  readonly readyTimeoutMs?: number;
  /** ms to wait for a published bundle to be read back (default 10 000). */
  readonly readBackTimeoutMs?: number;
}

/** A registration that was accepted: `created` (published now) or `exists` (already there, nothing written). */
export interface Registered {
  readonly verdict: 'created' | 'exists';
  readonly bundle: Bundle;
}

export class BundleRegistry {
  readonly #o: BundleRegistryOptions;
  readonly #table: BundleTable;
  readonly #producer: k.Producer;
  readonly #registered: Counter<'verdict'>;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(options: BundleRegistryOptions) {
    this.#o = options;
    this.#table = new BundleTable(options, {
      verifyIds: false,
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    });
    this.#producer = k.createIdempotentProducer(options.kafka);
    const metrics = options.metrics ?? new Metrics({ service: 'registry', defaultMetrics: false });
    this.#registered = metrics.counter(
      'backtrack_bundle_registrations_total',
      'Bundle registrations by verdict',
      ['verdict'],
    );
  }

  async start(): Promise<void> {
    await this.#o.codec.registerSchemas(['bundles']);
    await this.#producer.connect();
    await this.#table.start();
    await this.#table.ready();
  }

  async stop(): Promise<void> {
    await this.#table.stop();
    await this.#producer.disconnect();
  }

  /** The bundles table as read so far (every registered bundle, by id). */
  get table(): ReadonlyMap<string, Bundle> {
    return this.#table.map;
  }

  get(bundleId: string): Bundle | undefined {
    return this.#table.get(bundleId);
  }

  /** Every bundle, oldest registration first. */
  list(): Bundle[] {
    return [...this.#table.map.values()].sort(
      (a, b) => a.registeredAt - b.registeredAt || (a.bundleId < b.bundleId ? -1 : 1),
    );
  }

  /**
   * Registers `input` (the fields of bundle-content.ts; `config` as an object or JSON text) for `actor`.
   * Throws InvalidBundleError, BundleRefusedError, or UnavailableError (retriable: Kafka unreachable).
   */
  register(input: unknown, actor: string): Promise<Registered> {
    const run = this.#lock.then(() => this.#register(input, actor));
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #register(input: unknown, actor: string): Promise<Registered> {
    const changed = changedIdRefusal(input);
    if (changed !== undefined) {
      this.#registered.inc({ verdict: 'refused' });
      throw changed;
    }
    const verdict = registerBundle(this.#table.map, input, actor, (this.#o.now ?? Date.now)());
    this.#registered.inc({ verdict: verdict.verdict });
    switch (verdict.verdict) {
      case 'invalid':
        throw new InvalidBundleError(verdict.issues);
      case 'refused':
        throw new BundleRefusedError(verdict.reason, verdict.bundleId, verdict.message);
      case 'exists':
        return { verdict: 'exists', bundle: verdict.bundle };
      case 'created':
        await this.#publish(verdict.bundle);
        return { verdict: 'created', bundle: verdict.bundle };
    }
  }

  async #publish(bundle: Bundle): Promise<void> {
    const { codec, logger } = this.#o;
    try {
      await this.#producer.send({
        topic: this.#table.topicName,
        acks: -1,
        messages: [{ key: bundle.bundleId, value: codec.encode('bundles', bundle) }],
      });
    } catch (cause) {
      throw new UnavailableError(`publishing bundle ${bundle.bundleId} failed`, { cause });
    }
    logger.info(
      { bundleId: bundle.bundleId, modelId: bundle.modelId, by: bundle.registeredBy },
      'bundle registered',
    );
    if (!(await this.#table.waitFor(bundle.bundleId, this.#o.readBackTimeoutMs ?? 10_000)))
      logger.warn({ bundleId: bundle.bundleId }, 'registered bundle not read back yet');
  }
}

/**
 * An input may state the `bundleId` it expects (an exported bundle edited and re-registered): if its
 * content does not hash to that id, registering it would look like changing that bundle. Refused.
 */
export function changedIdRefusal(input: unknown): BundleRefusedError | undefined {
  if (typeof input !== 'object' || input === null || !('bundleId' in input)) return undefined;
  const stated = (input as { bundleId: unknown }).bundleId;
  const checked = parseBundleContent(input);
  if (typeof stated !== 'string' || !checked.ok) return undefined;
  const actual = bundleIdOf(checked.content);
  if (actual === stated) return undefined;
  return new BundleRefusedError(
    'id_mismatch',
    stated,
    `the content hashes to ${actual}, not the stated bundleId ${stated}; a bundle cannot be changed, register the new content as a new bundle`,
  );
}
