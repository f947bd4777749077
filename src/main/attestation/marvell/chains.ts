// The two certificate chains of a LiquidSecurity attestation, each with its fixed shape:
//   manufacturer: partition cert ← card cert ← Marvell (Cavium) root     (caviumCerts)
//   owner:        partition cert ← owner root, card cert ← owner root    (googlePartitionCerts,
//                                                                          googleCardCerts)
// Both partition certs must carry the same key (the one that signs attestations) and name the
// same partition, both card certs the same card key: the manufacturer vouches it is a genuine
// LiquidSecurity card, the owner (Google) that it is one of its own HSMs.
//
// Time: the attestation carries no timestamp and the Marvell root expired on 2025-11-16, so the
// chains are validated at the attestation's time, not now. Unless the caller knows that time
// (e.g. the KMS key version's generateTime), it is taken as the latest notBefore among the
// supplied certificates: the partition certificates were issued when the partition was set up,
// so a key in it (and its attestation) cannot be older, and it is the earliest instant at which
// every certificate in both chains existed. Validity is checked at that instant; which
// certificates have expired since is reported in the notes.
import { check, checkIf } from '../verdict';
import type { VerdictCheck } from '../verdict';
import {
  commonName,
  iso,
  parsePemCertificates,
  sameCertificate,
  signedBy,
  spkiSha256Of,
  validAt,
} from '../x509-links';
import type { Certificate } from '../x509-links';
import type { MarvellRoots, PinnedRoot } from './roots';

export interface AttestationTime {
  at: Date;
  /** Where the time came from, for the verdict's notes. */
  source: string;
}

export interface ChainInput {
  manufacturerPem: string;
  ownerPem: string;
  attestedAt?: AttestationTime;
  now: Date;
  roots: MarvellRoots;
}

export interface ChainResult {
  checks: VerdictCheck[];
  /** The partition certificate whose key signs the attestation, when the chains have their shape. */
  partitionCert: Certificate | null;
  validatedAt: Date;
  notes: string[];
}

export async function verifyMarvellChains(input: ChainInput): Promise<ChainResult> {
  const { roots, now } = input;
  const anchors = [roots.manufacturer.cert, roots.owner.cert];
  // Bundles sometimes repeat the roots; a copy identical to a pinned root adds nothing.
  const load = (pem: string) =>
    parsePemCertificates(pem).filter((c) => !anchors.some((r) => sameCertificate(r, c)));
  let mfr: Certificate[];
  let owner: Certificate[];
  try {
    mfr = load(input.manufacturerPem);
    owner = load(input.ownerPem);
  } catch (e) {
    const evidence = `the chain files are not PEM certificates (${(e as Error).message})`;
    return {
      checks: [
        check('manufacturer-chain', 'fail', evidence),
        check('owner-chain', 'fail', evidence),
      ],
      partitionCert: null,
      validatedAt: input.attestedAt?.at ?? now,
      notes: [],
    };
  }
  const supplied = [...mfr, ...owner];
  const latest = supplied.reduce<Certificate | null>(
    (a, c) => (!a || c.notBefore > a.notBefore ? c : a),
    null,
  );
  const at = input.attestedAt?.at ?? latest?.notBefore ?? now;
  const notes: string[] = [
    input.attestedAt
      ? `Chains validated at ${iso(at)}, the attestation time given by ${input.attestedAt.source}.`
      : `Chains validated at ${iso(at)}, the attestation time derived from the data: the attestation carries no timestamp, so the latest notBefore among the supplied certificates ("${latest ? commonName(latest) : '-'}") is used, the earliest instant at which every certificate of both chains existed.`,
  ];
  for (const r of [roots.manufacturer, roots.owner]) {
    if (r.cert.notAfter < now) {
      notes.push(
        `${r.name} "${commonName(r.cert)}" (SHA-256 ${r.sha256}) expired on ${iso(r.cert.notAfter)}; it was valid at the attestation time, so validation was done at attestation time, not now.`,
      );
    }
  }
  for (const c of supplied.filter((c) => c.notAfter < now)) {
    notes.push(`Certificate "${commonName(c)}" expired on ${iso(c.notAfter)}.`);
  }
  const clock = at > now ? [`the attestation time ${iso(at)} is in the future`] : [];

  const m = await manufacturerChain(mfr, roots.manufacturer, at);
  const o = await ownerChain(owner, roots.owner, at, m.partition, m.card);
  const checks = [
    clock.length || m.problems.length
      ? check('manufacturer-chain', 'fail', [...clock, ...m.problems].join('; '))
      : check('manufacturer-chain', 'pass', m.evidence),
    clock.length || o.problems.length
      ? check('owner-chain', 'fail', [...clock, ...o.problems].join('; '))
      : check('owner-chain', 'pass', o.evidence),
    samePartition(m.partition, m.card, o.partition, o.card),
  ];
  return { checks, partitionCert: m.partition, validatedAt: at, notes };
}

interface Shape {
  partition: Certificate | null;
  card: Certificate | null;
  problems: string[];
  evidence: string;
}

async function manufacturerChain(certs: Certificate[], root: PinnedRoot, at: Date): Promise<Shape> {
  const none = (problem: string): Shape => ({
    partition: null,
    card: null,
    problems: [problem],
    evidence: '',
  });
  if (certs.length !== 2)
    return none(
      `expected the partition and the card certificate, got ${certs.length} certificate(s)`,
    );
  // RFC 5246 order is leaf first; accept either order, the names decide which is which.
  const [a, b] = certs as [Certificate, Certificate];
  const [partition, card] = a.issuer === b.subject ? [a, b] : [b, a];
  const problems: string[] = [];
  if (partition.issuer !== card.subject || card.issuer !== root.cert.subject)
    return none(
      `the certificates do not form partition ← card ← ${root.name}: "${commonName(partition)}" is issued by "${partition.issuerName.getField('CN')[0] ?? partition.issuer}", "${commonName(card)}" by "${card.issuerName.getField('CN')[0] ?? card.issuer}"`,
    );
  if (!(await signedBy(partition, card)))
    problems.push(`"${commonName(partition)}" is not signed by the card key`);
  if (!(await signedBy(card, root.cert)))
    problems.push(`"${commonName(card)}" is not signed by the pinned ${root.name}`);
  problems.push(...dated([partition, card, root.cert], at));
  return {
    partition,
    card,
    problems,
    evidence: `partition "${commonName(partition)}" ← card "${commonName(card)}" ← pinned ${root.name} (SHA-256 ${root.sha256}); signatures valid; every certificate valid at ${iso(at)}`,
  };
}

async function ownerChain(
  certs: Certificate[],
  root: PinnedRoot,
  at: Date,
  mfrPartition: Certificate | null,
  mfrCard: Certificate | null,
): Promise<Shape> {
  const none = (problem: string): Shape => ({
    partition: null,
    card: null,
    problems: [problem],
    evidence: '',
  });
  if (certs.length !== 2)
    return none(`expected the owner's partition and card certificates, got ${certs.length}`);
  const problems: string[] = [];
  for (const c of certs) {
    if (!(await signedBy(c, root.cert)))
      problems.push(`"${commonName(c)}" is not issued and signed by the pinned ${root.name}`);
  }
  problems.push(...dated([...certs, root.cert], at));
  const partition = mfrPartition
    ? (certs.find((c) => c.subject === mfrPartition.subject) ?? null)
    : null;
  const card = mfrCard ? (certs.find((c) => c.subject === mfrCard.subject) ?? null) : null;
  if (mfrPartition && mfrCard && (!partition || !card || partition === card))
    problems.push(
      'the owner certificates do not name the same partition and card as the manufacturer chain',
    );
  return {
    partition,
    card,
    problems,
    evidence: `partition and card certificates both issued and signed by the pinned ${root.name} (SHA-256 ${root.sha256}); valid at ${iso(at)}`,
  };
}

function dated(certs: Certificate[], at: Date): string[] {
  return certs
    .filter((c) => !validAt(c, at))
    .map(
      (c) =>
        `"${commonName(c)}" is not valid at ${iso(at)} (valid ${iso(c.notBefore)} to ${iso(c.notAfter)})`,
    );
}

function samePartition(
  mp: Certificate | null,
  mc: Certificate | null,
  op: Certificate | null,
  oc: Certificate | null,
): VerdictCheck {
  if (!mp || !mc || !op || !oc)
    return check(
      'partition-certificates',
      'fail',
      'cannot pair the manufacturer and owner certificates of the partition and card',
    );
  const partitionKey = spkiSha256Of(mp);
  const ok = partitionKey === spkiSha256Of(op) && spkiSha256Of(mc) === spkiSha256Of(oc);
  return checkIf(
    'partition-certificates',
    ok,
    `manufacturer and owner certificates for "${commonName(mp)}" carry the same partition key (SPKI SHA-256 ${partitionKey}), and for "${commonName(mc)}" the same card key`,
    `the manufacturer and owner certificates carry different keys for the partition or the card`,
  );
}
