// The ceremony step sign.batch: files the reviewed script pins by SHA-256 are signed with a key
// the ceremony made; a file that differs from its pin is refused before anything is signed, and
// the run resumes once the file is right.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/main/audit/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { parseScript } from '../../src/main/ceremony/script/load';
import { ErrorCode } from '../../src/shared/errors';
import { runCeremony } from '../helpers/run-ceremony';
import { SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';

useSoftHsm();
const work = mkdtempSync(join(tmpdir(), 'olocus-ceremony-batch-'));
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

function script(token: string, files: { path: string; content: string }[]) {
  const text = [
    'version: 1',
    'ceremony: { id: batch-2026, name: Batch signing, location: Test room }',
    `hsm: { uri: 'pkcs11:token=${token}?module-path=${SOFTHSM_MODULE}' }`,
    'roles: { administrator: Ada, officers: [Alice, Bob, Carol] }',
    'quorum: { threshold: 2 }',
    'steps:',
    '  - { id: init-token, type: token.initialize }',
    '  - { id: signer, type: key.generate, key: { label: signer, type: ec-p256 } }',
    '  - id: sign-requests',
    '    type: sign.batch',
    '    key: signer',
    '    files:',
    ...files.map((f) => `      - { path: ${f.path}, sha256: ${sha(f.content)} }`),
  ].join('\n');
  return { text, script: parseScript(text) };
}

describe('sign.batch', () => {
  it('signs every pinned file with the ceremony key; each signature verifies; the ledger records it', async () => {
    const files = ['a.csr', 'b.csr', 'c.csr'].map((n) => ({ path: n, content: `request ${n}\n` }));
    for (const f of files) writeFileSync(join(work, f.path), f.content);
    const { text, script: s } = script('batch-ok', files);
    const dir = join(work, 'run-ok');
    const summary = await runCeremony({
      script: s,
      scriptText: text,
      dir,
      room: new ScriptedRoom(),
    });
    expect(summary.status).toBe('finished');
    const spki = readFileSync(join(dir, 'public-keys/signer.spki.der'));
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    for (const f of files) {
      const sig = readFileSync(join(dir, 'signed/sign-requests', `${f.path}.sig`));
      expect(
        verify('sha256', Buffer.from(f.content), { key, dsaEncoding: 'ieee-p1363' }, sig),
      ).toBe(true);
    }
    const manifest = JSON.parse(
      readFileSync(join(dir, 'signed/sign-requests/batch-manifest.json'), 'utf8'),
    ) as {
      entries: { file: string; sha256: string }[];
    };
    expect(manifest.entries.map((e) => [e.file, e.sha256])).toEqual(
      files.map((f) => [f.path, sha(f.content)]),
    );
    const ledger = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
    expect(ledger).toContain('"type":"batch.finished"');
    expect((await verifyLedger(join(dir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('a file changed after the script pinned it is refused by name before anything is signed; the run resumes once it is right', async () => {
    const files = ['x.csr', 'y.csr'].map((n) => ({ path: n, content: `request ${n}\n` }));
    for (const f of files) writeFileSync(join(work, f.path), f.content);
    writeFileSync(join(work, 'y.csr'), 'tampered\n');
    const { text, script: s } = script('batch-bad', files);
    const dir = join(work, 'run-bad');
    // The same officers come back with the shares the first run gave them.
    const room = new ScriptedRoom();
    const err = await runCeremony({ script: s, scriptText: text, dir, room }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: ErrorCode.INVALID_INPUT });
    expect((err as Error).message).toBe(
      `y.csr changed after its digest was pinned in step "sign-requests" of the script (pinned SHA-256 ${sha(files[1]!.content)}, the file's is ${sha('tampered\n')}); nothing was signed.`,
    );
    expect(existsSync(join(dir, 'signed'))).toBe(false);
    writeFileSync(join(work, 'y.csr'), files[1]!.content);
    const summary = await runCeremony({ script: s, scriptText: text, dir, room });
    expect(summary.status).toBe('finished');
    expect(existsSync(join(dir, 'signed/sign-requests/y.csr.sig'))).toBe(true);
  });
});
