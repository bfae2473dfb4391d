/** A minimal binary writer/reader for the tenant state codec: varints, zigzag varints, f64, utf8, u32 runs. */
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';

/** Bytes that are not a tenant state of a known version (not retriable: dead-letter or rebuild). */
export class TenantStateDecodeError extends Error {
  readonly retriable = false;
  override readonly name = 'TenantStateDecodeError';
}

export class ByteWriter {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Starts a new output, keeping the grown buffer. */
  reset(): void {
    this.pos = 0;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned integer 0..2^53 - 1, LEB128. */
  uvar(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** Signed safe integer, zigzag then LEB128. */
  svar(v: number): void {
    this.uvar(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  str(v: string): void {
    const n = Buffer.byteLength(v, 'utf8');
    this.uvar(n);
    this.room(n);
    this.buf.write(v, this.pos, 'utf8');
    this.pos += n;
  }

  /** The first `n` elements of `v`, 4 bytes each, little-endian. */
  u32s(v: Uint32Array, n: number): void {
    this.room(4 * n);
    if (LITTLE_ENDIAN) this.buf.set(new Uint8Array(v.buffer, v.byteOffset, 4 * n), this.pos);
    else for (let i = 0; i < n; i++) this.buf.writeUInt32LE(v[i]!, this.pos + 4 * i);
    this.pos += 4 * n;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

export class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new TenantStateDecodeError(`truncated at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  uvar(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new TenantStateDecodeError(`varint too long at byte ${this.pos}`);
    }
  }

  svar(): number {
    const z = this.uvar();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.uvar();
    this.need(n);
    const v = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** `n` little-endian u32 (a copy). */
  u32s(n: number): Uint32Array {
    this.need(4 * n);
    const out = new Uint32Array(n);
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(this.buf.subarray(this.pos, this.pos + 4 * n));
    else for (let i = 0; i < n; i++) out[i] = this.buf.readUInt32LE(this.pos + 4 * i);
    this.pos += 4 * n;
    return out;
  }

  /** Reads a length that must not exceed the bytes left (each element takes at least one byte). */
  count(): number {
    const n = this.uvar();
    if (n > this.buf.length - this.pos) throw new TenantStateDecodeError(`length ${n} beyond the input`);
    return n;
  }

  end(): void {
    if (this.pos !== this.buf.length)
      throw new TenantStateDecodeError(`${this.buf.length - this.pos} trailing bytes`);
  }
}
