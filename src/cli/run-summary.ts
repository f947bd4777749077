// How a finished run is shown: where everything is and the ledger head, in hex and in words.
import type { RunSummary } from '../main/ceremony/run/finish';
import { fields } from './output';

export function formatRunSummary(r: RunSummary, extra: [string, string][] = []): string {
  return [
    `Ceremony ${r.ceremonyId} finished in ${r.dir}`,
    '',
    fields([
      ['Ledger', `${r.ledger.path} (${r.ledger.records} records)`],
      ['Ledger head', r.ledger.head],
      ['In words', r.ledger.headWords],
      ...r.keys.map((k): [string, string] => [
        `Key ${k.label}`,
        `${k.type}, SPKI SHA-256 ${k.spkiSha256 ?? 'n/a'}`,
      ]),
      ['Share cards', `${r.dir}/shares/`],
      ['Report', `${r.dir}/report.pdf (signed; check with verify-report)`],
      ['Transcript', `${r.dir}/transcript.json`],
      ['Manifest', `${r.dir}/manifest.json`],
      ...extra,
    ]),
    '',
    `Check the ledger yourself: npx olocus-ceremony verify-audit ${r.ledger.path}`,
  ].join('\n');
}
