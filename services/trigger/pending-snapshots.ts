/**
 * The reorder buffer of the trigger: snapshots of one window arrive from every signals partition, each
 * at its own pace; they wait here until the window is complete, then go to stage 2 together, as
 * replay hands them over (one window at a time, every tenant of it before the rollout decides).
 * Persisted in the partition's store under `p/<windowEnd>/<snapshotId>` so a restored partition
 * still holds what it received; indexed in memory by window.
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
const byRolloutThenTenant = (a: SignalSnapshot, b: SignalSnapshot): number =>
  a.rolloutId < b.rolloutId
    ? -1
    : a.rolloutId > b.rolloutId
      ? 1
      : a.tenantId < b.tenantId
        ? -1
        : a.tenantId > b.tenantId
          ? 1
          : 0;

export class PendingSnapshots {
  readonly #store: TypedStore<string, SignalSnapshot>;
  /** windowEnd → snapshotId → snapshot; a re-sent snapshot replaces the one held. */
  readonly #byWindow = new Map<number, Map<string, SignalSnapshot>>();
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

  /** windowEnds held, in no particular order. */
  windows(): IterableIterator<number> {
    return this.#byWindow.keys();
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

  /** Removes and returns the windows ending at or before `upToMs`, ascending; each ordered by (rolloutId, tenantId). */
  async takeUpTo(upToMs: number): Promise<SignalSnapshot[][]> {
    const due = [...this.#byWindow.keys()].filter((w) => w <= upToMs).sort((a, b) => a - b);
    const out: SignalSnapshot[][] = [];
    for (const w of due) {
      const snapshots = [...this.#byWindow.get(w)!.values()].sort(byRolloutThenTenant);
      this.#byWindow.delete(w);
      this.#size -= snapshots.length;
      for (const s of snapshots) await this.#store.delete(keyOf(s));
      out.push(snapshots);
    }
    return out;
  }

  #index(s: SignalSnapshot): void {
    let window = this.#byWindow.get(s.windowEnd);
    if (window === undefined) this.#byWindow.set(s.windowEnd, (window = new Map()));
    if (!window.has(s.snapshotId)) this.#size++;
    window.set(s.snapshotId, s);
  }
}
