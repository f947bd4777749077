// A SoftHSM token as the CLI tests address it: a token URI whose PIN comes from a 0600 file
// (never argv), key URIs on it, and the argv of `keys generate` there. Call tokenForCli at
// module load, before anything opens the provider (SoftHSM reads its tokens once).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createToken, SOFTHSM_MODULE } from './softhsm';

export function tokenForCli(label: string, userPin: string, dir: string) {
  const token = createToken(label, userPin);
  const pinFile = join(dir, 'user.pin');
  writeFileSync(pinFile, token.userPin, { mode: 0o600 });
  const query = `module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
  return {
    token,
    pinFile,
    tokenUri: `pkcs11:token=${token.label}?${query}`,
    keyUri: (key: string) => `pkcs11:token=${token.label};object=${key};type=private?${query}`,
  };
}

/** `keys generate` of a key of `type` labelled `label` on the token; add flags after it. */
export const keysGenerate = (tokenUri: string, type: string, label: string) => [
  'keys',
  'generate',
  '--hsm',
  tokenUri,
  '--type',
  type,
  '--label',
  label,
];
