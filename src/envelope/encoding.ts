// Canonical byte encodings shared by the associated data and the digests (docs/format.md,
// "Encodings"): uint32 big-endian length prefixes, and UTF-8 byte order for every sort — UTF-16
// code-unit order (JavaScript's default) differs from it for characters outside the BMP, and other
// languages would not reproduce it.

/** uint32 big-endian. */
export function u32(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError("length does not fit in uint32");
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n, 0);
  return out;
}

/** uint32 big-endian byte length, then the bytes (strings as UTF-8). */
export function lengthPrefixed(value: Uint8Array | string): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  return Buffer.concat([u32(bytes.length), bytes]);
}

/** Orders strings by their UTF-8 bytes (unsigned, shorter prefix first). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
