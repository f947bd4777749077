// The gzip wrapper Google Cloud HSM (CAVIUM_V2_COMPRESSED) puts around a LiquidSecurity
// attestation. The HSM's signature covers the *decompressed* bytes only, and inflate is not
// one-to-one: the gzip timestamp/OS bytes, the FTEXT flag, the padding bits after the last
// deflate block and some Huffman-table bits can change without changing the output (we found
// such positions in the real vector). To refuse every altered file and not just every altered
// statement, the wrapper must be exactly what the HSM writes:
//   - the fixed 10-byte header the firmware emits (no flags, no time, XFL 0, OS 0);
//   - one deflate stream that ends exactly at the 8-byte trailer, whose CRC-32 and length match;
//   - and the deflate stream byte-identical to zlib's level-6 output for the signed bytes (the
//     firmware uses zlib at its default level; the memory level differs between firmware builds,
//     so every memLevel is tried). pako is a faithful port of zlib; Node's bundled zlib is
//     Chromium's fork and compresses differently, so it cannot be used for this comparison.
import { crc32, inflateRawSync } from 'node:zlib';
import { deflateRaw } from 'pako';

const HSM_GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0);

export type ContainerResult =
  | { ok: true; data: Uint8Array; compressed: boolean; evidence: string }
  | { ok: false; evidence: string };

export function isGzip(blob: Uint8Array): boolean {
  return blob[0] === 0x1f && blob[1] === 0x8b;
}

export function openContainer(blob: Uint8Array): ContainerResult {
  if (!isGzip(blob)) {
    // Azure Managed HSM and the raw LiquidSecurity tools hand out the uncompressed form: every
    // byte is then signed data or the signature itself, so nothing here can hide a change.
    return {
      ok: true,
      data: blob,
      compressed: false,
      evidence: `uncompressed, ${blob.length} bytes`,
    };
  }
  if (blob.length < HSM_GZIP_HEADER.length + 8 + 2)
    return { ok: false, evidence: 'gzip file is truncated' };
  for (let i = 0; i < HSM_GZIP_HEADER.length; i++) {
    if (blob[i] !== HSM_GZIP_HEADER[i]) {
      return {
        ok: false,
        evidence: `gzip header byte ${i} is 0x${blob[i]!.toString(16)}, the HSM writes 0x${HSM_GZIP_HEADER[i]!.toString(16)}: the file was altered or re-packed`,
      };
    }
  }
  const body = blob.subarray(HSM_GZIP_HEADER.length, blob.length - 8);
  let data: Uint8Array;
  try {
    const { buffer, engine } = inflateRawSync(body, { info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    if (engine.bytesWritten !== body.length)
      return {
        ok: false,
        evidence: `${body.length - engine.bytesWritten} stray bytes after the compressed data`,
      };
    data = new Uint8Array(buffer);
  } catch (e) {
    return { ok: false, evidence: `gzip data is corrupt (${(e as Error).message})` };
  }
  const trailer = Buffer.from(blob.subarray(blob.length - 8));
  if (trailer.readUInt32LE(0) !== crc32(data) || trailer.readUInt32LE(4) !== data.length % 2 ** 32)
    return { ok: false, evidence: 'gzip CRC-32 or length does not match the data' };
  const canonical = [1, 2, 3, 4, 5, 6, 7, 8, 9].some((memLevel) =>
    sameBytes(deflateRaw(data, { level: 6, memLevel }), body),
  );
  if (!canonical)
    return {
      ok: false,
      evidence:
        'the compressed bytes are not what the HSM (zlib level 6) writes for this content: the file was altered or re-packed',
    };
  return {
    ok: true,
    data,
    compressed: true,
    evidence: `gzip as the HSM writes it (header, CRC-32, length, zlib level-6 stream), ${data.length} bytes inside`,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
