// A script with a transfer step, rehearsed and then run for real against the rehearsal's
// transcript. The rehearsal has no second HSM: it moves the key to a throwaway target token of
// its own, and never touches the script's real target.
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { runCeremony } from '../helpers/run-ceremony';
import { loadState } from '../../src/main/ceremony/run/state';
import { parseTranscript } from '../../src/main/ceremony/run/transcript';
import type { Transcript } from '../../src/main/ceremony/run/transcript';
import { parseScript } from '../../src/main/ceremony/script/load';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { ErrorCode } from '../../src/shared/errors';
import { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
const real = createToken('xfer-rh-target', '135790');
const work = mkdtempSync(join(tmpdir(), 'olocus-xfer-rh-'));
const pinFile = join(work, 'target.pin');
writeFileSync(pinFile, `${real.userPin}\n`);
chmodSync(pinFile, 0o600);

const script = (extra = '') => `version: 1
ceremony: { id: xfer-rehearsed, name: Rehearsed transfer, location: Lab }
hsm: { uri: 'pkcs11:token=xfer-rh-ceremony?module-path=${SOFTHSM_MODULE}' }
targets:
  dr:
    uri: 'pkcs11:token=${real.label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}'
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
  witnesses: [Walter Witness]
quorum: { threshold: 2 }
steps:
  - { id: init, type: token.initialize }
  - { id: gen, type: key.generate, key: { label: signer, type: ec-p256 }, policy: { backup: true } }
  - id: move
    type: transfer
    key: signer
    to: dr
    witness: required
${extra}`;

let target: Pkcs11Provider;
afterAll(async () => target?.close());

const targetKeys = async () => (await target.listKeys()).map((k) => `${k.class}:${k.label}`);

describe('rehearse, then run against the transcript', () => {
  const rehearsal = join(work, 'rehearsal');
  let transcript: Transcript;

  it('the rehearsal moves the key to a throwaway target and writes the transfer into the transcript', async () => {
    const text = script();
    const summary = await runCeremony({
      script: parseScript(text),
      scriptText: text,
      dir: rehearsal,
      room: new ScriptedRoom(),
      mode: 'rehearsal',
      hsm: { tokenLabel: 'xfer-rh-rehearsal' },
    });
    expect(summary.status).toBe('finished');
    transcript = parseTranscript(
      readFileSync(join(rehearsal, 'transcript.json'), 'utf8'),
      'transcript.json',
    );
    const move = transcript.steps.find((s) => s.id === 'move')!;
    expect(move).toMatchObject({ type: 'transfer', witnessed: true });
    expect(move.expected).toMatchObject({
      transfer: {
        key: 'signer',
        to: 'dr',
        wrap: 'rsa-aes-kwp',
        kek: null,
        destroySource: false,
        class: 'private',
        type: 'ec-p256',
        mechanisms: ['CKM_AES_KEY_GEN', 'CKM_AES_KEY_WRAP_PAD', 'CKM_RSA_PKCS_OAEP'],
        proven: true,
        target: { provenance: { extractable: false, sensitive: true, local: false } },
      },
    });
    // What the two HSMs negotiate, and what differs per run, is not part of the transcript.
    expect(JSON.stringify(move.expected)).not.toMatch(/oaepHash|proofMethod|fingerprint|token/);

    const migrated = readFileSync(join(rehearsal, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { target?: { token?: string } } })
      .find((r) => r.type === 'key.migrated')!;
    expect(migrated.data.target?.token).toContain('rehearsal-dr');
    // The throwaway target's PIN stays with the rehearsal's other demo material.
    expect(statSync(join(rehearsal, 'demo-secrets/targets/dr-user-pin')).mode & 0o777).toBe(0o600);

    // The real target was not touched.
    target = await Pkcs11Provider.open({
      modulePath: SOFTHSM_MODULE,
      token: { token: real.label },
    });
    await target.login(pin(real.userPin));
    expect(await targetKeys()).toEqual([]);
  });

  it('a day script that now destroys the source diverges before the transfer does anything', async () => {
    const text = script().replace(
      '    witness: required\n',
      '    destroy_source: true\n    approved_by: [Alice Archer, Bob Baker]\n    witness: required\n',
    );
    const err = await runCeremony({
      script: parseScript(text),
      scriptText: text,
      dir: join(work, 'diverged'),
      room: new ScriptedRoom(),
      hsm: { tokenLabel: 'xfer-rh-diverged' },
      expect: transcript,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.POLICY_VIOLATION,
      message: expect.stringContaining(
        'Step 3 ("move") diverges from the rehearsal: transfer.destroySource: rehearsed false, the script now says true',
      ),
    });
    expect(await targetKeys()).toEqual([]);
  });

  it('the day runs the same script on the real target and matches the rehearsal step by step', async () => {
    const text = script();
    const dir = join(work, 'day');
    const summary = await runCeremony({
      script: parseScript(text),
      scriptText: text,
      dir,
      room: new ScriptedRoom(),
      expect: transcript,
    });
    expect(summary.status).toBe('finished');
    expect((await loadState(dir))!.steps.every((s) => s.status === 'done')).toBe(true);
    expect((await targetKeys()).sort()).toEqual(['private:signer', 'public:signer']);
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });
});

describe('a rehearsal of kwp under a KEK that only the real tokens hold', () => {
  it('stands in a random KEK on both throwaway tokens, says so, and rehearses the kwp path', async () => {
    // Its own target name, so its throwaway token does not meet the first rehearsal's.
    const text = script()
      .replace('  dr:\n', '  dr2:\n')
      .replace('    to: dr\n', '    to: dr2\n')
      .replace(
        '    witness: required\n',
        '    wrap: kwp\n    kek: { label: day-kek }\n    witness: required\n',
      );
    const before = await targetKeys();
    const dir = join(work, 'rehearsal-kwp');
    const room = new ScriptedRoom();
    const summary = await runCeremony({
      script: parseScript(text),
      scriptText: text,
      dir,
      room,
      mode: 'rehearsal',
      hsm: { tokenLabel: 'xfer-rh-rehearsal-kwp' },
    });
    expect(summary.status).toBe('finished');
    expect(room.events.map((e) => e.message)).toContain(
      'Rehearsal: a random stand-in for KEK "day-kek" was loaded on both throwaway tokens.',
    );
    const t = parseTranscript(
      readFileSync(join(dir, 'transcript.json'), 'utf8'),
      'transcript.json',
    );
    expect(t.steps.find((s) => s.id === 'move')!.expected).toMatchObject({
      transfer: { wrap: 'kwp', kek: { label: 'day-kek' }, mechanisms: ['CKM_AES_KEY_WRAP_PAD'] },
    });
    // The real target is as the day left it.
    expect(await targetKeys()).toEqual(before);
  });
});
