/**
 * The bundles table every service reads: deploy.bundles.v1 through a GlobalTable (all of it, from the
 * beginning, on every instance), kept as a Map of plain Bundle objects (avsc decodes record-class
 * instances; canonical JSON wants plain ones).
 *
 * A record whose key is not its bundleId is never kept. With `verifyIds`, neither is one whose
 * bundleId is not the hash of its content (a tampered or buggy write): services that route to bundles
 * use that. The registry itself keeps such records, so it refuses to register over them.
 */
import type { Bundle } from '../../schemas/types.ts';
import { GlobalTable, type GlobalTableDeps } from '../core/global-table.ts';
import { hasValidBundleId } from './bundle-content.ts';

export interface BundleTableOptions {
  readonly verifyIds: boolean;
  /** ms `ready()` waits (GlobalTable default otherwise). */
  readonly readyTimeoutMs?: number;
}

export class BundleTable {
  readonly #table: GlobalTable<'bundles'>;
  readonly #map = new Map<string, Bundle>();
  readonly #arrivals = new Set<() => void>();
  readonly #deps: GlobalTableDeps;
  /** Records not kept, see above. */
  rejected = 0;

  constructor(deps: GlobalTableDeps, options: BundleTableOptions) {
    this.#deps = deps;
    this.#table = new GlobalTable(deps, {
      topic: 'bundles',
      ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    });
    this.#table.onChange((key, value) => {
      if (value === undefined) this.#map.delete(key);
      else {
        const why =
          key !== value.bundleId
            ? `key ${key} is not the bundleId ${value.bundleId}`
            : options.verifyIds && !hasValidBundleId(value)
              ? 'bundleId is not the hash of its content'
              : undefined;
        if (why === undefined) this.#map.set(key, structuredClone(value));
        else {
          this.rejected++;
          this.#deps.logger.warn({ key, why }, 'bundle record rejected');
        }
      }
      for (const wake of this.#arrivals) wake();
    });
  }

  get topicName(): string {
    return this.#deps.codec.bindings.bundles.name;
  }

  /** Live: every bundle kept so far, by id. */
  get map(): ReadonlyMap<string, Bundle> {
    return this.#map;
  }

  get(bundleId: string): Bundle | undefined {
    return this.#map.get(bundleId);
  }

  start(): Promise<void> {
    return this.#table.start();
  }

  /** Resolves once the topic is read up to its end at `start()`. */
  ready(): Promise<void> {
    return this.#table.ready();
  }

  stop(): Promise<void> {
    return this.#table.stop();
  }

  /** Whether `bundleId` is in the table within `timeoutMs` (e.g. a bundle this process just wrote). */
  waitFor(bundleId: string, timeoutMs: number): Promise<boolean> {
    if (this.#map.has(bundleId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (found: boolean): void => {
        clearTimeout(timer);
        this.#arrivals.delete(check);
        resolve(found);
      };
      const check = (): void => {
        if (this.#map.has(bundleId)) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#arrivals.add(check);
    });
  }
}
