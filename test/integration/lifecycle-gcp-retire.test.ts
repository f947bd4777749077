// keys disable and keys schedule-destroy on Cloud KMS versions: the real client against the
// loopback gRPC fake. The primary, the only enabled version and an already retired one are
// refused with the key keeping its states; destruction waits for a quorum of a ceremony run's
// officers (a forged share refused by name) and then is DESTROY_SCHEDULED by Cloud KMS itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKms } from '../fakes/gcp/server';
import { runCli } from '../helpers/cli';
import { makeQuorumRun } from '../helpers/quorum-run';
import type { QuorumRun } from '../helpers/quorum-run';

const RING = 'projects/olocus-test/locations/europe-west1/keyRings/retire';
const key = (k: string) => `gcpkms://${RING}/cryptoKeys/${k}`;
const version = (k: string, n: number) => `${key(k)}/cryptoKeyVersions/${n}`;
let fake: FakeKms;
let run: QuorumRun;
const work = mkdtempSync(join(tmpdir(), 'olocus-gcp-retire-'));
const cli = (...args: string[]) => runCli([...args, '--endpoint', fake.endpoint]);
const states = (k: string) =>
  fake.state.cryptoKeys.get(`${RING}/cryptoKeys/${k}`)!.versions.map((v) => v.state);

beforeAll(async () => {
  fake = await FakeKms.start();
  fake.seedKeyRing(RING);
  run = await makeQuorumRun(work, 'gcp-officers');
});
afterAll(async () => {
  await fake.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('retiring Cloud KMS versions', { timeout: 180_000 }, () => {
  it('a symmetric key: the primary is refused, an older version is disabled', async () => {
    const made = await cli(
      'gcp',
      'keys',
      'create',
      '--key',
      key('data'),
      '--algorithm',
      'GOOGLE_SYMMETRIC_ENCRYPTION',
    );
    expect(made.code, made.stderr).toBe(0);
    expect((await cli('keys', 'rotate', '--key', key('data'))).code).toBe(0);
    const primary = await cli('keys', 'disable', '--key', version('data', 2));
    expect(primary.code).toBe(2);
    expect(primary.stderr).toBe(
      'error: Version 2 is the primary version of data; rotate first (keys rotate) so another version is primary. Nothing was changed.\n',
    );
    expect(states('data')).toEqual(['ENABLED', 'ENABLED']);
    const r = await cli('keys', 'disable', '--key', version('data', 1), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ family: 'data', version: { state: 'DISABLED' } });
    expect(states('data')).toEqual(['DISABLED', 'ENABLED']);
    const again = await cli('keys', 'disable', '--key', version('data', 1));
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      'error: Version 1 of data is already DISABLED. Nothing was changed.\n',
    );
  });

  it('a signing key: its only enabled version is neither disabled nor destroyed', async () => {
    const made = await cli(
      'gcp',
      'keys',
      'create',
      '--key',
      key('signer'),
      '--algorithm',
      'EC_SIGN_P256_SHA256',
    );
    expect(made.code, made.stderr).toBe(0);
    const r = await cli('keys', 'disable', '--key', version('signer', 1));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: Version 1 is the only enabled version of signer; it cannot be disabled. Nothing was changed.\n',
    );
    const d = await cli(
      'keys',
      'schedule-destroy',
      '--key',
      version('signer', 1),
      '--run',
      run.dir,
      '--share',
      run.shareFlags[0]!,
      '--share',
      run.shareFlags[1]!,
    );
    expect(d.code).toBe(2);
    expect(d.stderr).toBe(
      'error: Version 1 is the only enabled version of signer; it cannot be destroyed. Nothing was changed.\n',
    );
    expect(states('signer')).toEqual(['ENABLED']);
  });

  it('destruction waits for the quorum: a forged share is refused and nothing changes; two good ones schedule it', async () => {
    const short = await cli(
      'keys',
      'schedule-destroy',
      '--key',
      version('data', 1),
      '--run',
      run.dir,
      '--share',
      run.shareFlags[0]!,
      '--share',
      run.forgedFlag,
    );
    expect(short.code).toBe(3);
    expect(short.stderr).toMatch(
      /1 of 2 shares presented for destroying data\/cryptoKeyVersions\/1/,
    );
    expect(states('data')).toEqual(['DISABLED', 'ENABLED']);
    const r = await cli(
      'keys',
      'schedule-destroy',
      '--key',
      version('data', 1),
      '--run',
      run.dir,
      '--share',
      run.shareFlags[0]!,
      '--share',
      run.shareFlags[2]!,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      version: { state: string };
      destroyTime: string;
      approval: { approvedBy: string[] };
    };
    expect(doc.version.state).toBe('DESTROY_SCHEDULED');
    expect(Date.parse(doc.destroyTime)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(doc.approval.approvedBy).toEqual(['Alice Archer', 'Carol Chen']);
    expect(states('data')).toEqual(['DESTROY_SCHEDULED', 'ENABLED']);
    const delay = await cli(
      'keys',
      'schedule-destroy',
      '--key',
      version('data', 2),
      '--run',
      run.dir,
      '--share',
      run.shareFlags[0]!,
      '--delay',
      '7d',
    );
    expect(delay.code).toBe(2);
    expect(delay.stderr).toMatch(/^error: --delay is for PKCS#11 key families/);
  });
});
