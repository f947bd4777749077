// Verdict for a Marvell LiquidSecurity key attestation (Google Cloud HSM, Azure Managed HSM):
// the wrapper, the format, both chains to pinned roots at attestation time, the HSM's signature,
// and what the signed attributes say about the key, optionally compared with the ceremony key.
import { createPublicKey, verify as rsaVerify } from 'node:crypto';
import { provenanceChecks, sha256Hex } from '../provenance';
import { buildVerdict, check } from '../verdict';
import type { AttestationVerdict, VerdictCheck } from '../verdict';
import { commonName, iso } from '../x509-links';
import { verifyMarvellChains } from './chains';
import type { AttestationTime } from './chains';
import { openContainer } from './container';
import {
  attrBool,
  attrText,
  objectClass,
  objectKeyType,
  parseMarvellAttestation,
  Tag,
} from './parse';
import type { MarvellAttestation, MarvellObject } from './parse';
import { attestedPublicKey } from './public-key';
import { pinnedMarvellRoots } from './roots';
import type { MarvellRoots } from './roots';

export interface MarvellVerifyInput {
  /** The attestation as downloaded: gzip (CAVIUM_V2_COMPRESSED) or uncompressed. */
  attestation: Uint8Array;
  /** caviumCerts: the partition and card certificates issued under the Marvell root. */
  manufacturerChainPem: string;
  /** googlePartitionCerts + googleCardCerts: the same two keys certified by the owner root. */
  ownerChainPem: string;
  /** DER SubjectPublicKeyInfo of the ceremony's key, to say whether the attestation is about it. */
  expectedSpki?: Uint8Array;
  /** When the attestation was made, if known better than the certificates tell (see chains.ts). */
  attestedAt?: AttestationTime;
  acceptImported?: boolean;
  /** How the caller names the key (e.g. its gcpkms:// URI); the attestation only has a label. */
  uri?: string;
  now?: Date;
  /** Trust anchors; the pinned Marvell and Google roots unless a test supplies its own. */
  roots?: MarvellRoots;
}

export const MARVELL_VENDOR = 'marvell-liquidsecurity';

export async function verifyMarvellAttestation(
  input: MarvellVerifyInput,
): Promise<AttestationVerdict> {
  const now = input.now ?? new Date();
  const roots = input.roots ?? pinnedMarvellRoots();
  const checks: VerdictCheck[] = [];
  const notes: string[] = [];

  const container = openContainer(input.attestation);
  checks.push(check('container', container.ok ? 'pass' : 'fail', container.evidence));
  let parsed: MarvellAttestation | null = null;
  if (container.ok) {
    try {
      parsed = parseMarvellAttestation(container.data);
      checks.push(
        parsed.responseCode === 0
          ? check(
              'format',
              'pass',
              `LiquidSecurity attestation v${parsed.objectVersion}, ${parsed.objects.length} key object(s), ${parsed.signedData.length} signed bytes`,
            )
          : check(
              'format',
              'fail',
              `the HSM reported error code ${parsed.responseCode} instead of an attestation`,
            ),
      );
    } catch (e) {
      checks.push(
        check('format', 'fail', `not a LiquidSecurity attestation: ${(e as Error).message}`),
      );
    }
  }

  const chains = await verifyMarvellChains({
    manufacturerPem: input.manufacturerChainPem,
    ownerPem: input.ownerChainPem,
    now,
    roots,
    ...(input.attestedAt ? { attestedAt: input.attestedAt } : {}),
  });
  checks.push(...chains.checks);
  notes.push(...chains.notes);

  if (!parsed || !chains.partitionCert) {
    checks.push(
      check(
        'attestation-signature',
        'unknown',
        'not checked: no readable attestation or no partition certificate',
      ),
    );
  } else {
    const key = createPublicKey({
      key: Buffer.from(chains.partitionCert.publicKey.rawData),
      format: 'der',
      type: 'spki',
    });
    const ok = rsaVerify('sha256', parsed.signedData, key, parsed.signature);
    checks.push(
      check(
        'attestation-signature',
        ok ? 'pass' : 'fail',
        `RSA PKCS#1 v1.5 SHA-256 signature over ${parsed.signedData.length} bytes ${ok ? 'verifies' : 'does NOT verify'} under the key of "${commonName(chains.partitionCert)}"`,
      ),
    );
  }
  const trusted = checks.every((c) => c.status === 'pass');

  const keyChecks: VerdictCheck[] = [];
  const subject = pickKey(parsed?.objects ?? []);
  const pub = subject ? attestedPublicKey(subject) : null;
  const spkiSha256 = pub ? sha256Hex(pub.spki) : null;
  if (parsed && subject) {
    if (parsed.objects.length === 2) keyChecks.push(keyPairCheck(parsed.objects));
    const ekcv = subject.attributes.get(Tag.EKCV);
    if (pub && ekcv) keyChecks.push(publicKeyCheck(pub.description, spkiSha256!, ekcv));
    if (objectClass(subject) === 'public') {
      keyChecks.push(
        check('origin', 'unknown', 'only a public key object was attested; it holds no secret'),
      );
    } else {
      keyChecks.push(
        ...provenanceChecks(
          provenanceOf(subject),
          'OBJ_ATTR_',
          input.acceptImported ? { acceptImported: true } : {},
        ),
      );
    }
  } else if (parsed) {
    keyChecks.push(check('origin', 'unknown', 'the attestation holds no key object'));
  }
  let matches: boolean | null = null;
  if (input.expectedSpki) {
    const want = sha256Hex(canonicalSpki(input.expectedSpki));
    matches = spkiSha256 !== null && spkiSha256 === want;
    keyChecks.push(
      check(
        'public-key-match',
        matches ? 'pass' : 'fail',
        spkiSha256 === null
          ? `the attestation carries no public key to compare with the ceremony key sha256:${want}`
          : `attested ${pub!.description} key sha256:${spkiSha256} ${matches ? 'equals' : 'differs from'} the ceremony key sha256:${want}`,
      ),
    );
  } else {
    notes.push('No ceremony public key was given, so the attested key was not compared with one.');
  }
  // Attributes only mean something once the HSM's signature over them is trusted.
  checks.push(
    ...keyChecks.map((c) =>
      trusted || c.status !== 'pass'
        ? c
        : check(c.name, 'unknown', `not authenticated (signature or chains failed): ${c.evidence}`),
    ),
  );
  if (subject && attrBool(subject, Tag.LOCAL) === false && !input.acceptImported) {
    notes.push(
      'The key was imported into the HSM (OBJ_ATTR_LOCAL=false); that describes the key, not a fault of the HSM.',
    );
  }

  const kcv = subject?.attributes.get(Tag.KCV);
  return buildVerdict({
    vendor: MARVELL_VENDOR,
    subject: {
      label: subject ? attrText(subject, Tag.LABEL) : null,
      uri: input.uri ?? null,
      fingerprint: spkiSha256
        ? `sha256:${spkiSha256}`
        : kcv
          ? `kcv:${Buffer.from(kcv).toString('hex')}`
          : null,
    },
    checks,
    boundPublicKey: spkiSha256 ? { spkiSha256 } : null,
    matchesCeremonyKey: matches,
    validatedAt: iso(chains.validatedAt),
    notes,
  });
}

/** The object whose history matters: the private or secret key; the public half otherwise. */
function pickKey(objects: MarvellObject[]): MarvellObject | null {
  return objects.find((o) => objectClass(o) !== 'public') ?? objects[0] ?? null;
}

function provenanceOf(o: MarvellObject) {
  return {
    local: attrBool(o, Tag.LOCAL),
    neverExtractable: attrBool(o, Tag.NEVER_EXTRACTABLE),
    alwaysSensitive: attrBool(o, Tag.ALWAYS_SENSITIVE),
    extractable: attrBool(o, Tag.EXTRACTABLE),
    sensitive: attrBool(o, Tag.SENSITIVE),
  };
}

function keyPairCheck(objects: MarvellObject[]): VerdictCheck {
  const [a, b] = objects as [MarvellObject, MarvellObject];
  const same = (tag: number) => {
    const x = a.attributes.get(tag);
    const y = b.attributes.get(tag);
    return !!x && !!y && Buffer.from(x).equals(y);
  };
  const ok =
    objectClass(a) === 'public' &&
    objectClass(b) === 'private' &&
    objectKeyType(a) === objectKeyType(b) &&
    same(Tag.ID) &&
    same(Tag.MODULUS);
  return check(
    'key-pair',
    ok ? 'pass' : 'fail',
    ok
      ? `public and private ${objectKeyType(a)} objects share the key id and the public value`
      : 'the two attested objects are not the public and private halves of one key',
  );
}

// The HSM's extended key check value is SHA-256 over the SubjectPublicKeyInfo for RSA and EC
// keys (true of every published vector): agreeing with it confirms we rebuilt the right key,
// including the curve the format does not name.
function publicKeyCheck(description: string, spkiSha256: string, ekcv: Uint8Array): VerdictCheck {
  const hsm = Buffer.from(ekcv).toString('hex');
  return hsm === spkiSha256
    ? check(
        'attested-public-key',
        'pass',
        `${description} public key; its SPKI SHA-256 equals the HSM's OBJ_ATTR_EKCV`,
      )
    : check(
        'attested-public-key',
        'fail',
        `rebuilt ${description} key sha256:${spkiSha256} differs from the HSM's OBJ_ATTR_EKCV ${hsm}`,
      );
}

/** Re-encode a given SPKI the way node:crypto writes it, so equal keys compare equal. */
function canonicalSpki(der: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(
      createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({
        type: 'spki',
        format: 'der',
      }),
    );
  } catch {
    return der;
  }
}
