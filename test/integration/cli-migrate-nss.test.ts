// `migrate` through the command line (the service's migrateKey, which the Transfer screen also
// calls) between SoftHSM and NSS softoken, whose URI carries x-init-args.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { NSS_MODULE, NSS_USER_PIN, openNss } from '../helpers/nss';
import { createToken, SOFTHSM_MODULE } from '../helpers/softhsm';

const soft = NSS_MODULE ? createToken('cli-nss', '246810') : null;
const work = mkdtempSync(join(tmpdir(), 'olocus-migrate-nss-'));
const softPin = join(work, 'soft.pin');
const nssPin = join(work, 'nss.pin');
let nssBase = '';

const softUri = (object?: string, type = 'private') =>
  `pkcs11:token=${soft!.label}${object ? `;object=${object};type=${type}` : ''}?module-path=${SOFTHSM_MODULE}&pin-source=file:${softPin}`;
const nssUri = (object?: string, type = 'private') => {
  const [path, query] = nssBase.split('?');
  return `${path}${object ? `;object=${object};type=${type}` : ''}?${query}&pin-source=file:${nssPin}`;
};
const cli = (...args: string[]) => runCli(args);

interface Result {
  proof: { signatureVerified: boolean | null; kcvMatch: boolean | null };
  kwp: { source: { mechanism: number }; target: { mechanism: number } };
}

describe.skipIf(!NSS_MODULE)('migrate between SoftHSM and NSS softoken', () => {
  beforeAll(async () => {
    writeFileSync(softPin, soft!.userPin, { mode: 0o600 });
    writeFileSync(nssPin, NSS_USER_PIN, { mode: 0o600 });
    // The database and its user PIN are made here, then closed: the CLI opens it by URI.
    const nss = await openNss();
    nssBase = nss.uri;
    await nss.provider.close();
  });

  const gen = async (hsm: string, type: string, label: string) => {
    const r = await cli(
      'keys',
      'generate',
      '--hsm',
      hsm,
      '--type',
      type,
      '--label',
      label,
      '--extractable',
    );
    expect(r.code, r.stderr).toBe(0);
  };

  /** Migrates with --json, expects exit 0 and the RFC 5649 numbers used on each side. */
  const migrated = async (from: string, to: string, kwp: [number, number]): Promise<Result> => {
    const r = await cli('migrate', '--from', from, '--to', to, '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as Result;
    expect([result.kwp.source.mechanism, result.kwp.target.mechanism]).toEqual(kwp);
    return result;
  };

  it('SoftHSM → NSS, RSA-2048: exit 0, proven by a signature, 0x210A then 0x210B', async () => {
    await gen(softUri(), 'rsa-2048', 'cli-rsa');
    const r = await migrated(softUri('cli-rsa'), nssUri(), [0x210a, 0x210b]);
    expect(r.proof.signatureVerified).toBe(true);
  });

  it('NSS → SoftHSM, AES-256: exit 0, proven by its KCV, 0x210B then 0x210A', async () => {
    await gen(nssUri(), 'aes-256', 'cli-aes');
    const r = await migrated(nssUri('cli-aes', 'secret-key'), softUri(), [0x210b, 0x210a]);
    expect(r.proof.kcvMatch).toBe(true);
  });

  it('a key the module refuses to wrap (Ed25519 on SoftHSM): exit 3 naming 104 before anything is wrapped; both tokens as before', async () => {
    await gen(softUri(), 'ed25519', 'cli-ed');
    const labels = async (hsm: string) =>
      (
        JSON.parse((await cli('keys', 'list', '--hsm', hsm, '--json')).stdout) as {
          keys: { label: string }[];
        }
      ).keys
        .map((k) => k.label)
        .sort();
    const [softBefore, nssBefore] = [await labels(softUri()), await labels(nssUri())];
    const r = await cli('migrate', '--from', softUri('cli-ed'), '--to', nssUri());
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/104/);
    expect(r.stderr).toMatch(/cannot wrap ed25519 keys/);
    expect(await labels(softUri())).toEqual(softBefore);
    expect(await labels(nssUri())).toEqual(nssBefore);
  });
});
