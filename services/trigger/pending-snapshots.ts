/**
 * The reorder buffer of the trigger: snapshots of one window arrive from every signals partition, each
 * at its own pace; they wait here until their rollout's window is complete, then go to stage 2
 * together, as replay hands them over (one window at a time, every tenant of it before the rollout
 * decides). Persisted in the partition's store under `p/<windowEnd>/<snapshotId>` so a restored
 * partition still holds what it received; indexed in memory by rollout, then window.
 */
import { avroSchemas } from '../../schemas/index.ts';
import type { SignalSnapshot } from '../../schemas/types.ts';
import { prefixRange } from '../core/stores/bytes.ts';
import type { KeyValueStore } from '../core/stores/key-value-store.ts';
import { avroSerde, stringSerde } from '../core/stores/serde.ts';
import { TypedStore } from '../core/stores/typed-store.ts';
import type avsc from 'avsc';

const PREFIX = 'p/';
/** Every key starting with PREFIX. */
const RANGE = { gte: PREFIX, lt: prefixRange(Buffer.from(PREFIX)).lt!.toString('utf8') };
const keyOf = (s: SignalSnapshot): string =>
  `${PREFIX}${String(s.windowEnd).padStart(16, '0')}/${s.snapshotId}`;
const byTenant = (a: SignalSnapshot, b: SignalSnapshot): number =>
  a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0;

export class PendingSnapshots {
  readonly #store: TypedStore<string, SignalSnapshot>;
  /** rolloutId → windowEnd → snapshotId → snapshot; a re-sent snapshot replaces the one held. */
  readonly #byRollout = new Map<string, Map<number, Map<string, SignalSnapshot>>>();
  #size = 0;

  constructor(store: KeyValueStore) {
    this.#store = new TypedStore(
      store,
      stringSerde,
      avroSerde<SignalSnapshot>(avroSchemas.SignalSnapshot as avsc.Schema),
    );
  }

  get size(): number {
    return this.#size;
  }

  /** Rollouts with snapshots held, in no particular order. */
  rollouts(): string[] {
    return [...this.#byRollout.keys()];
  }

  /** windowEnds held for a rollout, ascending. */
  windowsOf(rolloutId: string): number[] {
    return [...(this.#byRollout.get(rolloutId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Rebuilds the index from the store (on assignment); returns how many are held. */
  async load(): Promise<number> {
    for await (const [, s] of this.#store.range(RANGE)) this.#index(s);
    return this.#size;
  }

  async add(s: SignalSnapshot): Promise<void> {
    this.#index(s);
    await this.#store.put(keyOf(s), s);
  }

  /** Removes and returns one window of a rollout, ordered by tenantId (empty when none is held). */
  async take(rolloutId: string, windowEnd: number): Promise<SignalSnapshot[]> {
    const windows = this.#byRollout.get(rolloutId);
    const held = windows?.get(windowEnd);
    if (windows === undefined || held === undefined) return [];
    const snapshots = [...held.values()].sort(byTenant);
    windows.delete(windowEnd);
    if (windows.size === 0) this.#byRollout.delete(rolloutId);
    this.#size -= snapshots.length;
    for (const s of snapshots) await this.#store.delete(keyOf(s));
    return snapshots;
  }

  #index(s: SignalSnapshot): void {
    let windows = this.#byRollout.get(s.rolloutId);
    if (windows === undefined) this.#byRollout.set(s.rolloutId, (windows = new Map()));
    let window = windows.get(s.windowEnd);
    if (window === undefined) windows.set(s.windowEnd, (window = new Map()));
    if (!window.has(s.snapshotId)) this.#size++;
    window.set(s.snapshotId, s);
  }
}
