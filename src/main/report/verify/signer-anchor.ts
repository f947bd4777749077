// What the report's signing certificate chains to, said in a sentence, and whether that is the
// ceremony's own: the root the embedded ledger records as issued by the ceremony, or the root an
// auditor gives (--root PEM). A self-signed signer is the ceremony's only when the ledger, under
// its audit key, names that very certificate as the report signer; anything else is refused.
import { X509Certificate, createHash } from 'node:crypto';
import type { LedgerRecord } from '../../audit/index';
import type { SignatureCheck } from './signature-check';

export interface SignerAnchor {
  /** "the ceremony's root CN=… (SHA-256 …), recorded at ledger record 4", or why it is none. */
  chainsTo: string;
  /** Null when the chain reaches the ceremony's root (or the given one); else why it does not. */
  problem: string | null;
}

/** A root certificate an auditor gives, PEM or DER: its SHA-256 and subject. */
export function readRoot(bytes: Uint8Array): { sha256: string; subject: string } {
  const text = Buffer.from(bytes).toString('latin1');
  const der = text.includes('-----BEGIN CERTIFICATE-----')
    ? Buffer.from(
        text
          .replace(/[\s\S]*?-----BEGIN CERTIFICATE-----/, '')
          .replace(/-----END CERTIFICATE-----[\s\S]*/, '')
          .replace(/\s+/g, ''),
        'base64',
      )
    : Buffer.from(bytes);
  const cert = new X509Certificate(der);
  return {
    sha256: createHash('sha256').update(cert.raw).digest('hex'),
    subject: cert.subject.replace(/\n/g, ', '),
  };
}

export function judgeSigner(
  sig: SignatureCheck,
  records: readonly LedgerRecord[],
  root?: { sha256: string; subject: string },
): SignerAnchor {
  const signerSha = sig.signer?.sha256 ?? null;
  const named = records.filter((r) => r.type === 'report.signer');
  // The certificate, or the key it certifies: a report made again later re-certifies the same
  // HSM key (new serial and dates), and is still the ceremony's report signer.
  const namedHere = named.find(
    (r) =>
      r.data.certificate_sha256 === signerSha ||
      (sig.signer && r.data.spki_sha256 === sig.signer.spkiSha256),
  );
  if (!sig.present || !sig.signer)
    return { chainsTo: 'nothing: the report is not signed', problem: null };
  if (!sig.chain.ok)
    return {
      chainsTo: `nothing the verifier can follow (${sig.chain.message})`,
      problem: null, // already a certificate-chain failure of its own
    };
  if (sig.chain.kind === 'self-signed') {
    const chainsTo = `nothing: the signing certificate ${sig.signer.subject} is self-signed`;
    if (root)
      return {
        chainsTo,
        problem: `The signing certificate is self-signed; it does not chain to the root given (${root.subject}, SHA-256 ${root.sha256}).`,
      };
    if (!namedHere)
      return {
        chainsTo,
        problem:
          "The signing certificate is self-signed and the embedded ledger does not name it as this ceremony's report signer: it is not the ceremony's.",
      };
    return {
      chainsTo: `${chainsTo}; the ceremony's ledger names it as the report signer at record ${namedHere.seq}, under the audit key's signature (the ceremony made no root)`,
      problem: null,
    };
  }
  const rootSha = sig.chain.rootSha256!;
  const issuer = sig.signer.issuer;
  const issued = records.find((r) => r.type === 'certificate.issued' && r.data.sha256 === rootSha);
  const chainsTo = `root ${issuer} (SHA-256 ${rootSha})${issued ? `, which the ceremony's ledger records as issued at record ${issued.seq}` : ''}${root?.sha256 === rootSha ? ', the root given' : ''}`;
  if (root && root.sha256 !== rootSha)
    return {
      chainsTo,
      problem: `The signing certificate chains to root ${issuer} (SHA-256 ${rootSha}), not to the root given (${root.subject}, SHA-256 ${root.sha256}).`,
    };
  if (!root && !issued)
    return {
      chainsTo,
      problem: `The signing certificate chains to root ${issuer} (SHA-256 ${rootSha}), which the embedded ledger does not record as issued by this ceremony: it is not the ceremony's own root.`,
    };
  if (named.length > 0 && !namedHere)
    return {
      chainsTo,
      problem:
        "The embedded ledger names another key as this ceremony's report signer; the report was signed with one it does not name.",
    };
  return { chainsTo, problem: null };
}
