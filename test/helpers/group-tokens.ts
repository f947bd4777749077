// SoftHSM tokens for HSM-group tests: made before the first provider opens, each with a PIN
// file, addressed by member URIs as hsm-config.yaml's cluster section would name them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPkcs11 } from '../../src/main/hsm/open';
import type { TokenProvider } from '../../src/main/hsm/provider';
import { parsePkcs11Uri } from '../../src/main/hsm/uri';
import { createToken, SOFTHSM_MODULE } from './softhsm';
import type { TestToken } from './softhsm';

export interface GroupTokens {
  tokens: TestToken[];
  /** Member URIs (module-path and pin-source from a file), in the order of `labels`. */
  uris: string[];
  work: string;
}

export function groupTokens(labels: string[]): GroupTokens {
  const work = mkdtempSync(join(tmpdir(), 'olocus-group-'));
  const tokens = labels.map((l) => createToken(l, '314159'));
  const pinFile = join(work, 'pin');
  writeFileSync(pinFile, '314159', { mode: 0o600 });
  const uris = labels.map(
    (l) => `pkcs11:token=${l}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`,
  );
  return { tokens, uris, work };
}

/** How a group opens a member in these tests: the product's own opener, logging in. */
export const openMember = (address: string): Promise<TokenProvider> =>
  openPkcs11(parsePkcs11Uri(address), { login: 'auto' });
