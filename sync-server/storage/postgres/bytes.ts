/** bytea in and out: pg reads bytea as Buffer (possibly a slice of a pool) and writes Buffers. */

/** A Uint8Array that owns its bytes (what the SQLite stores return too). */
export function fromBytea(b: Buffer): Uint8Array {
  return new Uint8Array(b);
}

/** A Buffer view of `u` (no copy), which pg sends as bytea. */
export function toBytea(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
