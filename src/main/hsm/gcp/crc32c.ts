// CRC32C (Castagnoli), the checksum Cloud KMS puts beside every byte string it sends and accepts:
// node:zlib only has the other CRC-32 polynomial, so the table is built here.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let crc = 0xffffffff;
  for (const b of bytes) crc = TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The API's Int64Value wrapper arrives as `{ value }` with a number, string or Long. */
export function int64Of(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const raw = typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v;
  if (raw === null || raw === undefined) return null;
  const n = Number(typeof raw === 'object' ? String(raw) : raw);
  return Number.isFinite(n) ? n : null;
}
