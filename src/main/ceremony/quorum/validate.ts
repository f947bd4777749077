// Refuses a split that could never be reconstructed, or that would confuse custodians later,
// before any secret is touched. Messages name the problem in the ceremony's own terms (M of N).
import { invalidInput } from './errors';
import type { SplitOptions } from './types';

/** Keeps an envelope small enough for a QR code a phone-free scanner still reads. */
export const MAX_LABEL_BYTES = 128;
export const MAX_SECRET_BYTES = 512;

const utf8 = new TextEncoder();

/** Two names that a person would call the same custodian. */
export function custodianKey(name: string): string {
  return name.normalize('NFC').trim().toLowerCase();
}

function checkLabel(what: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidInput(`Cannot split the secret: the ${what} is empty.`);
  }
  if (utf8.encode(value).length > MAX_LABEL_BYTES) {
    throw invalidInput(
      `Cannot split the secret: the ${what} is longer than ${MAX_LABEL_BYTES} bytes.`,
    );
  }
}

export function validateSplit(secret: Uint8Array, options: SplitOptions): void {
  const { ceremonyId, secretId, threshold: m, custodians } = options;
  checkLabel('ceremony id', ceremonyId);
  checkLabel('secret id', secretId);
  const what = `Cannot split "${secretId}"`;

  if (!(secret instanceof Uint8Array) || secret.length === 0) {
    throw invalidInput(`${what}: the secret is empty.`);
  }
  // The length itself is not stated: for a PIN it is worth keeping from onlookers.
  if (secret.length > MAX_SECRET_BYTES) {
    throw invalidInput(
      `${what}: the secret is longer than the ${MAX_SECRET_BYTES} bytes a share card carries.`,
    );
  }
  if (!Array.isArray(custodians)) {
    throw invalidInput(`${what}: the custodians must be a list of names.`);
  }
  const n = custodians.length;
  if (!Number.isInteger(m)) {
    throw invalidInput(`${what}: M must be a whole number of custodians (got ${String(m)}).`);
  }
  if (n < 2) {
    throw invalidInput(`${what}: a quorum needs at least 2 custodians; ${n} listed.`);
  }
  if (n > 255) {
    throw invalidInput(
      `${what}: N (${n}) is more than 255, the most shares Shamir over GF(256) can make.`,
    );
  }
  if (m < 2) {
    throw invalidInput(
      `${what}: M (${m}) must be at least 2; with 1, any single custodian holds the whole secret.`,
    );
  }
  if (m > n) {
    throw invalidInput(`${what}: M (${m}) is larger than N (${n}); no quorum could ever form.`);
  }

  const seen = new Map<string, string>();
  custodians.forEach((name, i) => {
    if (typeof name !== 'string' || name.trim() === '') {
      throw invalidInput(`${what}: custodian ${i + 1} has an empty name.`);
    }
    if (utf8.encode(name).length > MAX_LABEL_BYTES) {
      throw invalidInput(
        `${what}: custodian ${i + 1}'s name is longer than ${MAX_LABEL_BYTES} bytes.`,
      );
    }
    const earlier = seen.get(custodianKey(name));
    if (earlier !== undefined) {
      const spelled = earlier === name ? '' : ` (as "${earlier}" and "${name}")`;
      throw invalidInput(`${what}: custodian "${earlier}" is listed twice${spelled}.`);
    }
    seen.set(custodianKey(name), name);
  });
}
