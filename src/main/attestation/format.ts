// The verdict in words for a ceremony officer: the outcome first, then each check with its
// evidence, then the notes (expired roots, imported keys) that change how to read it.
import type { AttestationVerdict, CheckStatus } from './verdict';

const WORD: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', unknown: 'UNKNOWN' };

export function formatVerdict(v: AttestationVerdict): string {
  const lines: string[] = [];
  lines.push(`Attestation verdict: ${WORD[v.overall]} (${v.vendor})`);
  const who = [v.subject.label && `"${v.subject.label}"`, v.subject.uri, v.subject.fingerprint]
    .filter(Boolean)
    .join('  ');
  lines.push(`Key: ${who || '(not named by the evidence)'}`);
  lines.push(`Validated at: ${v.validatedAt}`);
  if (v.boundPublicKey) lines.push(`Attested public key: sha256:${v.boundPublicKey.spkiSha256}`);
  lines.push(
    `Matches the ceremony key: ${
      v.matchesCeremonyKey === null
        ? 'not checked (no ceremony key given)'
        : v.matchesCeremonyKey
          ? 'yes'
          : 'NO'
    }`,
  );
  lines.push('Checks:');
  const width = Math.max(...v.checks.map((c) => c.name.length), 0);
  for (const c of v.checks) {
    lines.push(`  [${WORD[c.status].padEnd(7)}] ${c.name.padEnd(width)}  ${c.evidence}`);
  }
  if (v.notes.length > 0) {
    lines.push('Notes:');
    for (const n of v.notes) lines.push(`  - ${n}`);
  }
  return lines.join('\n');
}
