// Report generation against its floor: a bare pdfkit document drawing the same strings, one
// paragraph each, in the same run. The ceremony is synthetic but written through the real
// audit Ledger API (software signer): 10,000 events of the kinds the engine writes, with a head
// signature every 500 records. The report includes layout, the QR code, the attachment of the
// ledger and the PAdES signature (software key: the HSM's latency is not what is measured).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import PDFDocument from 'pdfkit';
import { Ledger, generateSoftwareSigner } from '../src/main/audit';
import { buildReport, softwareReportSigner } from '../src/main/report';

const EVENTS = Number(process.env.BENCH_REPORT_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ACTOR = 'Ada Administrator';
const OFFICERS = ['Alice Archer', 'Bob Baker', 'Carol Chen', 'Dave Diaz', 'Erin Evans'];
const hex = (seed: string): string => createHash('sha256').update(seed).digest('hex');

/** One ceremony-like event; steps of 25 events each, cycling through what the engine records. */
function eventFor(i: number): { type: string; step: string; data: Record<string, unknown> } {
  const n = Math.floor(i / 25);
  const step = `step-${String(n).padStart(4, '0')}`;
  const who = OFFICERS[i % OFFICERS.length]!;
  switch (i % 25) {
    case 0:
      return {
        type: 'step.started',
        step,
        data: { type: 'key.generate', title: `Generate key ${n}` },
      };
    case 1:
    case 2:
    case 3:
      return {
        type: 'share.accepted',
        step,
        data: { custodian: who, commitment: hex(`token-pins:${who}`) },
      };
    case 4:
      return {
        type: 'quorum.met',
        step,
        data: { split: 'token-pins', custodians: OFFICERS.slice(0, 3), threshold: 3 },
      };
    case 5:
      return {
        type: 'key.generated',
        step,
        data: {
          label: `key-${n}`,
          type: ['ec-p256', 'ec-p384', 'rsa-3072', 'ed25519'][n % 4],
          class: 'private',
          id: hex(`id${n}`).slice(0, 32),
          spki_sha256: hex(`spki${n}`),
          provenance: {
            local: true,
            sensitive: true,
            alwaysSensitive: true,
            extractable: false,
            neverExtractable: true,
          },
        },
      };
    case 6:
      return {
        type: 'witness.signed',
        step,
        data: {
          witness: 'Walter Witness',
          statement: `Key "key-${n}" was generated in the HSM with fingerprint ${hex(`spki${n}`)}.`,
        },
      };
    case 24:
      return {
        type: 'step.completed',
        step,
        data: { results: { key: { label: `key-${n}`, fingerprint: { hex: hex(`spki${n}`) } } } },
      };
    default:
      return {
        type: 'operator.note',
        step,
        data: { note: `Checklist item ${i % 25} of step ${n} confirmed by ${who}.` },
      };
  }
}

async function writeRun(dir: string): Promise<void> {
  const { signer } = generateSoftwareSigner('ecdsa-p256-sha256');
  const ledger = await Ledger.create(join(dir, 'audit.jsonl'), {
    ceremonyId: 'bench-10k',
    actor: ACTOR,
    signer,
  });
  await ledger.append({
    actor: ACTOR,
    step: null,
    type: 'ceremony.started',
    data: {
      id: 'bench-10k',
      name: 'Benchmark ceremony (10,000 events)',
      location: 'bench',
      mode: 'rehearsal',
      roles: {
        administrator: ACTOR,
        officers: OFFICERS,
        witnesses: ['Walter Witness'],
        auditor: 'Audrey Auditor',
      },
      quorum: { threshold: 3, total: 5 },
    },
  });
  await ledger.append({
    actor: ACTOR,
    step: null,
    type: 'secret.split',
    data: {
      split: 'token-pins',
      protects: 'token PINs',
      threshold: 3,
      total: 5,
      commitments: Object.fromEntries(OFFICERS.map((o) => [o, hex(`token-pins:${o}`)])),
    },
  });
  for (let i = 0; ledger.length < EVENTS - 2; i++) {
    await ledger.append({ actor: ACTOR, ...eventFor(i) });
    if (ledger.length % 500 === 0) await ledger.signHead({ actor: ACTOR, step: null });
  }
  await ledger.append({ actor: ACTOR, step: null, type: 'ceremony.finished', data: {} });
  await ledger.signHead({ actor: ACTOR, step: null });
  await ledger.close();
}

function barePdf(lines: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(10);
    for (const line of lines) doc.text(line);
    doc.end();
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'olocus-bench-report-'));
  try {
    const t0 = performance.now();
    await writeRun(dir);
    console.log(
      `report: ${EVENTS} ledger events written in ${((performance.now() - t0) / 1000).toFixed(1)} s (setup, not measured)`,
    );
    const signer = await softwareReportSigner(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      { ceremonyId: 'bench-10k' },
    );
    const first = await buildReport(dir, { signer, collectText: true }); // warm-up, and the text
    const lines = first.drawn!;
    const bare0 = await barePdf(lines); // warm-up
    const reportMs: number[] = [];
    const bareMs: number[] = [];
    let reportBytes = 0;
    let bareBytes = bare0.length;
    for (let r = 0; r < ROUNDS; r++) {
      let s = performance.now();
      reportBytes = (await buildReport(dir, { signer })).pdf.byteLength;
      reportMs.push(performance.now() - s);
      s = performance.now();
      bareBytes = (await barePdf(lines)).byteLength;
      bareMs.push(performance.now() - s);
    }
    const barePages = await new Promise<number>((resolve) => {
      const doc = new PDFDocument({ size: 'A4', bufferPages: true });
      doc.fontSize(10);
      for (const line of lines) doc.text(line);
      resolve(doc.bufferedPageRange().count);
    });
    console.log(
      `report: ${first.pages} pages, ${reportBytes} bytes, median ${median(reportMs).toFixed(0)} ms over ${ROUNDS} rounds (${lines.length} strings)`,
    );
    console.log(
      `bare pdfkit: ${barePages} pages, ${bareBytes} bytes, median ${median(bareMs).toFixed(0)} ms`,
    );
    console.log(`ratio report.vs_bare_pdfkit ${(median(reportMs) / median(bareMs)).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
