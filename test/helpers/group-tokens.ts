// SoftHSM tokens for HSM-group tests: made before the first provider opens, each with a PIN
// file, addressed by member URIs as hsm-config.yaml's cluster section would name them.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPkcs11 } from '../../src/main/hsm/open';
import type { TokenProvider } from '../../src/main/hsm/provider';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { createToken, SOFTHSM_MODULE, useSoftHsm } from './softhsm';
import type { TestToken } from './softhsm';

export interface GroupTokens {
  tokens: TestToken[];
  /** Member URIs (module-path and pin-source from a file), in the order of `labels`. */
  uris: string[];
  work: string;
  /** Each token's store directory (SoftHSM's file backend), by label: remove it to pull the token. */
  stores: Map<string, string>;
}

export function groupTokens(labels: string[]): GroupTokens {
  const work = mkdtempSync(join(tmpdir(), 'olocus-group-'));
  const dir = join(useSoftHsm(), 'tokens');
  const stores = new Map<string, string>();
  const tokens = labels.map((l) => {
    const before = new Set(readdirSync(dir));
    const t = createToken(l, '314159');
    const made = readdirSync(dir).find((d) => !before.has(d));
    if (made) stores.set(l, join(dir, made));
    return t;
  });
  const pinFile = join(work, 'pin');
  writeFileSync(pinFile, '314159', { mode: 0o600 });
  const uris = labels.map(
    (l) => `pkcs11:token=${l}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`,
  );
  return { tokens, uris, work, stores };
}

/** How a group opens a member in these tests: the product's own opener, logging in. */
export const openMember = (address: string): Promise<TokenProvider> =>
  openPkcs11(parsePkcs11Uri(address), { login: 'auto' });
