// The signed report from a real demo run: the demo CLI makes a SoftHSM token and a finished run
// directory; the report-signing key is generated on that token and certified by the ceremony's
// root key; poppler's pdftotext and pdfsig read the result as an auditor would.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPgpWords } from '../../src/main/audit';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import {
  buildModel,
  buildReport,
  prepareReportSigner,
  readRunEvidence,
  renderReport,
  verifyManifest,
  verifyReport,
  type ReportSigner,
} from '../../src/main/report';
import { SOFTHSM_MODULE } from '../helpers/softhsm';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'olocus-report-it-'));
const dir = join(root, 'run');
const reportPath = join(root, 'report.pdf');
let hsm: Pkcs11Provider;
let signer: ReportSigner;
let head: string;

const text = (pdf: string): string =>
  execFileSync('pdftotext', ['-layout', pdf, '-']).toString('utf8');
const pdfsig = (pdf: string): string => {
  // pdfsig exits 0 even on "Digest Mismatch": the verdict is in its output.
  try {
    return execFileSync('pdfsig', [pdf], { stdio: 'pipe' }).toString('utf8');
  } catch (e) {
    return String((e as { stdout?: Buffer }).stdout ?? '');
  }
};
const checks = (v: { failures: { check: string }[] }) => v.failures.map((f) => f.check);

beforeAll(async () => {
  await run('node', ['--import', 'tsx', 'src/cli/run.ts', 'demo', '--out', dir], {
    cwd: process.cwd(),
  });
  process.env.SOFTHSM2_CONF = join(dir, 'softhsm', 'softhsm2.conf');
  hsm = await Pkcs11Provider.open({
    modulePath: SOFTHSM_MODULE,
    token: { token: 'olocus-root-2026' },
  });
  await hsm.login(new Uint8Array(readFileSync(join(dir, 'demo-secrets', 'user-pin'))));
  signer = await prepareReportSigner(hsm, { runDir: dir });
  const report = await buildReport(dir, { signer });
  head = report.ledgerHead;
  writeFileSync(reportPath, report.pdf);
});

afterAll(async () => {
  await hsm?.logout().catch(() => undefined);
  await hsm?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('report from a demo run', () => {
  it('generates the report-signing key on the token once and certifies it with the root', async () => {
    // The demo run made the key when it finished (recorded as report.signer in its ledger);
    // preparing a signer again finds it rather than making a second one.
    const made = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> })
      .find((r) => r.type === 'report.signer');
    expect(made?.data).toMatchObject({ label: 'report-signing-root-ca-2026', key_created: true });
    expect(signer.record).toMatchObject({
      label: 'report-signing-root-ca-2026',
      key_created: false,
      issued_by: 'ceremony-root',
      root_key: 'root-ca-2026',
    });
    const again = await prepareReportSigner(hsm, { runDir: dir });
    expect(again.record.key_created).toBe(false);
    expect(again.spkiSha256).toBe(signer.spkiSha256);
    const keys = await hsm.listKeys({ label: 'report-signing-root-ca-2026' });
    expect(keys.find((k) => k.class === 'private')?.provenance).toMatchObject({
      extractable: false,
      sensitive: true,
    });
  });

  it('prints the ceremony, the ledger head, the key fingerprints and every section', () => {
    const t = text(reportPath);
    const flat = t.replace(/\s+/g, '');
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      keys: Record<string, { spkiSha256: string }>;
      auditKey: { spkiSha256: string };
    };
    expect(t).toContain('Olocus Example Root CA key ceremony');
    expect(flat).toContain(head);
    expect(t).toContain(toPgpWords(head).slice(0, 6).join(' '));
    for (const fp of [
      state.keys['root-ca-2026']!.spkiSha256,
      state.auditKey.spkiSha256,
      signer.spkiSha256,
    ])
      expect(flat).toContain(fp);
    for (const title of [
      'Contents',
      '1. Participants and roles',
      '2. Witness sign-offs',
      '3. Quorum evidence',
      '4. Step-by-step transcript',
      '5. Key inventory',
      '6. Attestation verdicts',
      '7. FIPS posture',
      '8. Audit ledger',
      '9. Report signature',
    ])
      expect(t).toContain(title);
    expect(t).toContain('None recorded');
    expect(t).toContain('not-validated');
    expect(t).toMatch(/page 1 of \d+/);
  });

  it('pdfsig accepts the signature over the whole document and catches a one-byte change', () => {
    const ok = pdfsig(reportPath);
    expect(ok).toContain('Signature is Valid');
    expect(ok).toContain('Total document signed');
    expect(ok).toContain('ETSI.CAdES.detached');
    const bytes = readFileSync(reportPath);
    bytes[300] = bytes[300]! ^ 0x01;
    const changed = join(root, 'changed.pdf');
    writeFileSync(changed, bytes);
    expect(pdfsig(changed)).toContain('Digest Mismatch');
  });

  it('verifyReport accepts the fresh report and chains it to the ceremony root', async () => {
    const v = await verifyReport(reportPath);
    expect(v.failures).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.signature?.chain.kind).toBe('root-issued');
    expect(v.ledger).toMatchObject({ ok: true, head, rootIssuedAtSeq: expect.any(Number) });
    expect(v.head).toEqual({ info: head, xmp: head, onCover: true });
  });

  it('names a tampered signature value', async () => {
    const bytes = readFileSync(reportPath);
    const b = byteRange(bytes)[1]!;
    // The ECDSA signature is the last element of the CMS: change a byte inside its S integer.
    const cmsLength = derLength(
      Buffer.from(bytes.subarray(b + 1, b + 17).toString('latin1'), 'hex'),
    );
    const at = b + 1 + 2 * (cmsLength - 10);
    bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30;
    const v = await verifyReport(new Uint8Array(bytes));
    expect(v.ok).toBe(false);
    expect(checks(v)).toContain('signature');
    expect(v.failures.find((f) => f.check === 'signature')?.message).toMatch(/does not verify/);
    expect(v.signature?.digestMatches).toBe(true);
  });

  it('names a swapped embedded ledger and an edited one', async () => {
    const evidence = await readRunEvidence(dir);
    // Another, shorter but valid ledger in place of the real one, the cover still naming the real head.
    const lines = Buffer.from(evidence.ledgerBytes).toString('utf8').split('\n');
    const swapped = {
      ...evidence,
      ledgerBytes: new Uint8Array(Buffer.from(`${lines.slice(0, 20).join('\n')}\n`)),
    };
    const s = await verifyReport((await renderReport(buildModel(swapped, signer))).pdf);
    expect(s.signature?.signatureValid).toBe(true);
    // Cut before the ceremony's end, it is named as incomplete too.
    expect(checks(s)).toEqual(['embedded-ledger', 'ledger-head']);
    expect(s.failures[0]!.message).toMatch(
      /does not verify: The ledger ends early, after record 19/,
    );
    expect(s.failures[1]!.message).toMatch(/swapped or cut/);

    const edited = {
      ...evidence,
      ledgerBytes: new Uint8Array(
        Buffer.from(
          Buffer.from(evidence.ledgerBytes)
            .toString('utf8')
            .replace('Walter Witness', 'Mallory Mole'),
        ),
      ),
    };
    const e = await verifyReport((await renderReport(buildModel(edited, signer))).pdf);
    expect(checks(e)).toContain('embedded-ledger');
  });

  it('names a cover head that is not the embedded ledger head', async () => {
    const model = buildModel(await readRunEvidence(dir), signer);
    const other = model.evidence.records[10]!.hash;
    const v = await verifyReport(
      (await renderReport({ ...model, head: other, headWords: toPgpWords(other).join(' ') })).pdf,
    );
    expect(v.signature?.signatureValid).toBe(true);
    expect(v.ledger.ok).toBe(true);
    expect(checks(v)).toEqual(['ledger-head']);
    expect(v.failures[0]!.message).toContain(other);
  });

  it('names an update appended after the signed range', async () => {
    const original = readFileSync(reportPath);
    const xref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(original.toString('latin1'))![1];
    // What an incremental update looks like from the end: new bytes, then a startxref again.
    const bytes = Buffer.concat([original, Buffer.from(`% appended\nstartxref\n${xref}\n%%EOF\n`)]);
    const v = await verifyReport(new Uint8Array(bytes));
    expect(v.ok).toBe(false);
    expect(checks(v)).toEqual(['coverage']);
    const appended = join(root, 'appended.pdf');
    writeFileSync(appended, bytes);
    expect(pdfsig(appended)).not.toContain('Total document signed');
  });

  it('verifyManifest accepts the run and names a changed file and a forged signature', async () => {
    expect(await verifyManifest(dir)).toMatchObject({
      ok: true,
      failures: [],
      files: expect.any(Number),
    });
    const copy = join(root, 'copy');
    cpSync(dir, copy, { recursive: true });
    writeFileSync(
      join(copy, 'transcript.json'),
      `${readFileSync(join(copy, 'transcript.json'), 'utf8')} `,
    );
    const changed = await verifyManifest(copy);
    expect(changed.ok).toBe(false);
    expect(changed.failures).toEqual([
      expect.objectContaining({ check: 'file-hash', file: 'transcript.json' }),
    ]);

    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      files: Record<string, string>;
    };
    manifest.files['transcript.json'] = /SHA-256 ([0-9a-f]{64})/.exec(
      changed.failures[0]!.message,
    )![1]!;
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const forged = await verifyManifest(copy);
    expect(forged.failures.map((f) => f.check)).toEqual(['signature']);
  });
});

function byteRange(bytes: Buffer): number[] {
  const m = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/.exec(bytes.toString('latin1'));
  return m!.slice(1).map(Number);
}

/** Total length of a DER element from its first bytes (tag, length). */
function derLength(head: Buffer): number {
  const first = head[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + head[2 + i]!;
  return 2 + n + len;
}
