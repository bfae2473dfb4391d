/**
 * The event ids seen in one open sub-window, for de-duplication, kept as 64-bit hashes (two 32-bit
 * halves) instead of strings: 8 bytes per id on the wire and 16–32 in memory, where a `Set<string>`
 * of UUIDs took ~37 bytes per id on the wire and ~70 in memory (and kept every id string alive).
 *
 * Hash: cyrb53's two 32-bit lanes (bryc, public domain) over the UTF-16 code units, both kept (64
 * bits). Two different ids of one tenant collide with probability about n² / 2^65 for n ids
 * tracked: at the default cap of 200 000 ids per tenant (maxTrackedIdsPerTenant) that is 1.1e-9 (a
 * bound: only ids of the same sub-window and kind are compared). A collision makes one event count
 * as a duplicate; a given new event is wrongly dropped with probability <= n / 2^64 (~1e-14). The
 * hash is not keyed: a producer that crafts colliding ids can only get its own tenant's events
 * dropped.
 */
import type { ByteReader, ByteWriter } from './byte-io.ts';

/** Lanes of the last {@link hashId}; module scratch, so hashing allocates nothing. */
let hashHi = 0;
let hashLo = 0;

function hashId(id: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  hashHi = h2 >>> 0;
  hashLo = h1 >>> 0;
}

const NO_IDS = new Uint32Array(0);
const NO_SLOTS = new Int32Array(0);

/**
 * A set of id hashes in insertion order (so encoding is a copy, and decode then encode gives the same
 * bytes), indexed by an open-addressing table. Mutable; owned by one sub-window of one TenantState.
 */
export class IdHashSet {
  /** hi, lo of each id, in insertion order; length 2 x capacity */
  #ids: Uint32Array = NO_IDS;
  /** position + 1 of an id in #ids, 0 = empty; a power of two >= 2 x capacity, linear probing */
  #slots: Int32Array = NO_SLOTS;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(id: string): boolean {
    if (this.#size === 0) return false;
    hashId(id);
    return this.#find(hashHi, hashLo) < 0;
  }

  /** Adds `id`; false if it (or an id with the same hash) was there already. */
  add(id: string): boolean {
    hashId(id);
    return this.#addHash(hashHi, hashLo);
  }

  /** Writes the count, then 8 bytes (hi, lo little-endian u32) per id, in insertion order. */
  write(w: ByteWriter): void {
    w.uvar(this.#size);
    w.u32s(this.#ids, 2 * this.#size);
  }

  /** Reads what {@link write} wrote. */
  static read(r: ByteReader): IdHashSet {
    const n = r.uvar();
    const words = r.u32s(2 * n);
    const set = new IdHashSet();
    for (let i = 0; i < n; i++) set.#addHash(words[2 * i]!, words[2 * i + 1]!);
    return set;
  }

  /** A set of the hashes of `ids` (decoding states that stored the strings). */
  static of(ids: Iterable<string>): IdHashSet {
    const set = new IdHashSet();
    for (const id of ids) set.add(id);
    return set;
  }

  /** The slot where (hi, lo) sits as ~slot (< 0), or the empty slot where it would go (>= 0). */
  #find(hi: number, lo: number): number {
    const slots = this.#slots;
    const ids = this.#ids;
    const mask = slots.length - 1;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const at = slots[i]!;
      if (at === 0) return i;
      const p = 2 * (at - 1);
      if (ids[p + 1] === lo && ids[p] === hi) return ~i;
    }
  }

  #addHash(hi: number, lo: number): boolean {
    if (2 * this.#size >= this.#ids.length) this.#grow();
    const slot = this.#find(hi, lo);
    if (slot < 0) return false;
    const p = 2 * this.#size++;
    this.#ids[p] = hi;
    this.#ids[p + 1] = lo;
    this.#slots[slot] = this.#size;
    return true;
  }

  #grow(): void {
    const capacity = Math.max(4, this.#ids.length);
    const ids = new Uint32Array(2 * capacity);
    ids.set(this.#ids);
    const slots = new Int32Array(2 * capacity);
    const mask = slots.length - 1;
    for (let n = 0; n < this.#size; n++) {
      let i = ids[2 * n + 1]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = n + 1;
    }
    this.#ids = ids;
    this.#slots = slots;
  }
}
