// A YubiHSM 2 key attestation as one verdict: the per-key attestation certificate (made on the
// device by `attest-asymmetric` with the factory attestation key, opaque object 0) is signed by
// the device certificate; the device certificate chains to the Yubico YubiHSM Root CA through a
// Yubico sub-CA; and the Yubico extensions say where the key came from and what it may do.
//
// Checks: device-signature, device-chain, same-device (the serial the key's certificate states
// is the device certificate's), origin (generated on the device, never imported: an imported or
// imported-wrapped key is reported as such, truthfully), export (no exportable-under-wrap
// capability), and key-match when the ceremony's key is given.
import { createHash } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { buildVerdict, check, checkIf, iso } from '../verdict';
import type { AttestationVerdict, VerdictCheck } from '../verdict';
import {
  certSha256,
  commonName,
  parsePemCertificates,
  signedBy,
  spkiSha256Of,
  validAt,
} from '../x509-links';
import type { Certificate } from '../x509-links';
import { EXPORT_CAPABILITIES, ORIGIN, originWords, yubicoClaims } from './extensions';
import type { YubicoClaims } from './extensions';
import { YUBICO_SUBCA_URL, YUBIHSM_SUBCA_SHA256, pinnedYubiHsmRoot } from './roots';

export const YUBIHSM_VENDOR = 'yubihsm2';

export interface YubiHsmAttestationInput {
  /** PEM of the key's attestation certificate. */
  attestationPem: string;
  /** PEM of the device attestation certificate (opaque object 0). */
  deviceCertPem: string;
  /** PEM of the Yubico sub-CA(s); without one the device chain is "unknown". */
  intermediatesPem?: string;
  /** A root replacing Yubico's (e.g. after replacing the factory attestation key). */
  rootPem?: string;
  /** SPKI SHA-256 (hex) of the key the ceremony holds. */
  expectedSpkiSha256?: string;
  at?: Date;
}

function aki(cert: Certificate): string | null {
  const ext = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  return ext?.keyId ? ext.keyId.toUpperCase() : null;
}

async function deviceChain(
  device: Certificate,
  intermediates: Certificate[],
  root: Certificate,
  rootSupplied: boolean,
  at: Date,
): Promise<VerdictCheck> {
  const rootName = rootSupplied
    ? `the root you supplied "${commonName(root)}"`
    : 'the Yubico YubiHSM Root CA (pinned)';
  const issuer = intermediates.find((c) => c.subject === device.issuer);
  if (!issuer) {
    const id = aki(device);
    return check(
      'device-chain',
      'unknown',
      `unknown: the device certificate is issued by "${device.issuer}", which was not supplied; fetch ${id ? `${YUBICO_SUBCA_URL}${id}.pem` : 'that sub-CA from Yubico'} and pass it`,
    );
  }
  const problems: string[] = [];
  if (!(await signedBy(device, issuer)))
    problems.push(`the device certificate is not signed by "${commonName(issuer)}"`);
  if (!(await signedBy(issuer, root)))
    problems.push(`"${commonName(issuer)}" is not signed by ${rootName}`);
  const known = Object.entries(YUBIHSM_SUBCA_SHA256).find(([, sha]) => sha === certSha256(issuer));
  for (const c of [device, issuer, root]) {
    if (!validAt(c, at)) problems.push(`"${commonName(c)}" is not valid at ${iso(at)}`);
  }
  return problems.length
    ? check('device-chain', 'fail', problems.join('; '))
    : check(
        'device-chain',
        'pass',
        `"${commonName(device)}" ← "${commonName(issuer)}"${known ? ` (Yubico's published ${known[0]}.pem)` : ''} ← ${rootName}`,
      );
}

function originCheck(claims: YubicoClaims): VerdictCheck {
  if (claims.origin === null)
    return check('origin', 'unknown', 'the attestation carries no origin extension');
  const words = originWords(claims.origin).join(', ');
  const imported = (claims.origin & (ORIGIN.imported | ORIGIN.importedWrapped)) !== 0;
  if (imported)
    return check(
      'origin',
      'fail',
      `the key was imported (origin: ${words}), not generated on this device`,
    );
  return checkIf(
    'origin',
    (claims.origin & ORIGIN.generated) !== 0,
    `generated on the device (origin: ${words})`,
    `origin says ${words}`,
  );
}

function exportCheck(claims: YubicoClaims): VerdictCheck {
  if (claims.capabilities === null)
    return check('export', 'unknown', 'the attestation carries no capabilities extension');
  const hex = `0x${claims.capabilities.toString(16).padStart(16, '0')}`;
  const allowed = Object.entries(EXPORT_CAPABILITIES)
    .filter(([, bit]) => (claims.capabilities! >> bit) & 1n)
    .map(([n]) => n);
  return allowed.length
    ? check(
        'export',
        'fail',
        `capabilities ${hex} include ${allowed.join(', ')}: the key can leave the device wrapped`,
      )
    : check('export', 'pass', `capabilities ${hex} do not include exportable-under-wrap`);
}

export async function verifyYubiHsmAttestation(
  input: YubiHsmAttestationInput,
): Promise<AttestationVerdict> {
  const at = input.at ?? new Date();
  const checks: VerdictCheck[] = [];
  let att: Certificate, device: Certificate, intermediates: Certificate[], root: Certificate;
  let claims: YubicoClaims;
  try {
    [att] = parsePemCertificates(input.attestationPem) as [Certificate];
    [device] = parsePemCertificates(input.deviceCertPem) as [Certificate];
    if (!att || !device) throw new Error('no certificate in the PEM');
    intermediates = input.intermediatesPem ? parsePemCertificates(input.intermediatesPem) : [];
    root = input.rootPem ? parsePemCertificates(input.rootPem)[0]! : pinnedYubiHsmRoot();
    claims = yubicoClaims(att);
  } catch (e) {
    checks.push(
      check('certificates', 'fail', `not a YubiHSM attestation: ${(e as Error).message}`),
    );
    return verdict(checks, null, null, at);
  }
  const deviceClaims = (() => {
    try {
      return yubicoClaims(device);
    } catch {
      return null;
    }
  })();
  checks.push(
    checkIf(
      'device-signature',
      (await signedBy(att, device)) && validAt(att, at),
      `the key's attestation certificate is signed by "${commonName(device)}" (the device's factory attestation key)`,
      `the key's attestation certificate "${commonName(att)}" is not signed by "${commonName(device)}" or not valid at ${iso(at)}`,
    ),
  );
  checks.push(await deviceChain(device, intermediates, root, input.rootPem !== undefined, at));
  const deviceSerial = deviceClaims?.serial ?? /\((\d+)\)/.exec(commonName(device))?.[1] ?? null;
  checks.push(
    claims.serial && deviceSerial
      ? checkIf(
          'same-device',
          claims.serial === deviceSerial,
          `both certificates name device serial ${deviceSerial}`,
          `the key's certificate names device ${claims.serial}, the device certificate ${deviceSerial}`,
        )
      : check('same-device', 'unknown', 'a device serial is missing from the certificates'),
  );
  checks.push(originCheck(claims), exportCheck(claims));
  const key = spkiSha256Of(att);
  let matches: boolean | null = null;
  if (input.expectedSpkiSha256) {
    matches = input.expectedSpkiSha256.toLowerCase() === key;
    checks.push(
      checkIf(
        'key-match',
        matches,
        `the attested key is the ceremony's key (sha256:${key})`,
        `the attested key sha256:${key} is not the ceremony's key sha256:${input.expectedSpkiSha256.toLowerCase()}`,
      ),
    );
  }
  const label = claims.label
    ? `${claims.label} (object 0x${(claims.objectId ?? 0).toString(16).padStart(4, '0')})`
    : null;
  const notes = [
    `Device ${deviceSerial ?? '?'}, firmware ${claims.firmware ?? '?'}, domains ${claims.domains?.join(',') ?? '?'}.`,
  ];
  return { ...verdict(checks, key, label, at, notes), matchesCeremonyKey: matches };
}

function verdict(
  checks: VerdictCheck[],
  key: string | null,
  label: string | null,
  at: Date,
  notes: string[] = [],
): AttestationVerdict {
  return buildVerdict({
    vendor: YUBIHSM_VENDOR,
    subject: { label, uri: null, fingerprint: key ? `sha256:${key}` : null },
    checks,
    boundPublicKey: key ? { spkiSha256: key } : null,
    matchesCeremonyKey: null,
    validatedAt: iso(at),
    notes,
  });
}

/** SHA-256 of DER SPKI bytes, for callers holding a public key rather than a fingerprint. */
export function spkiSha256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}
