// scrypt with the memory ceiling raised to what the parameters need: Node's default maxmem
// (32 MiB) refuses N=2^15 with r=8 already, let alone the 2^17 used for passphrases.
import { scrypt } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** What OpenSSL allocates for these parameters (V: 128·r·(N+2), B: 128·r·p). */
function scryptMemory({ N, r, p }: ScryptParams): number {
  return 128 * r * (N + 2) + 128 * r * p;
}

// A protected card carries its own parameters; a crafted one must not make us allocate gigabytes.
const MAX_MEMORY = 512 * 1024 * 1024;

/** Bounds for parameters read from a protected share, not chosen by us. */
export function scryptParamsAcceptable(params: ScryptParams): boolean {
  const { N, r, p } = params;
  const log2N = Math.log2(N);
  const whole = [log2N, r, p].every((v) => Number.isInteger(v));
  return (
    whole &&
    log2N >= 14 &&
    log2N <= 20 &&
    r >= 1 &&
    r <= 16 &&
    p >= 1 &&
    p <= 4 &&
    scryptMemory(params) <= MAX_MEMORY
  );
}

/** Derives 32 bytes; the caller zeroes the result. */
export function scryptKey(
  password: Uint8Array,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Buffer> {
  const maxmem = scryptMemory(params) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, { ...params, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}
