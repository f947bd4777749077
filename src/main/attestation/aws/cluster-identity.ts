// AWS CloudHSM cluster identity, from the certificates DescribeClusters returns for an
// uninitialised cluster (Clusters[].Certificates): before a cluster is initialised, AWS's
// procedure is to prove the HSM that produced the cluster CSR is a genuine AWS CloudHSM:
//   HsmCertificate ← AwsHardwareCertificate ← AWS CloudHSM root
//   HsmCertificate ← ManufacturerHardwareCertificate ← manufacturer root
//   and the ClusterCsr carries the HsmCertificate's public key.
// Both hardware certificates certify the same hardware key (AWS and the manufacturer each vouch
// for it), which is why one HSM certificate verifies under both. A pure function over PEM text:
// the roots are the caller's to pin, none ships with Olocus yet (see README in
// resources/attestation/).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { sha256Hex } from '../provenance';
import { buildVerdict, check } from '../verdict';
import type { AttestationVerdict, VerdictCheck } from '../verdict';
import { commonName, iso, parseCertificate, signedBy, spkiSha256Of, validAt } from '../x509-links';
import type { Certificate } from '../x509-links';

/** The fields of DescribeClusters' `Certificates`, as PEM text. */
export interface CloudHsmClusterCertificates {
  ClusterCsr: string;
  HsmCertificate: string;
  AwsHardwareCertificate: string;
  ManufacturerHardwareCertificate: string;
}

export interface CloudHsmRoots {
  /** AWS CloudHSM root certificate (PEM), as published by AWS and pinned by the caller. */
  awsRoot: { name: string; pem: string };
  /** The HSM manufacturer's root certificate (PEM), as published by the manufacturer. */
  manufacturerRoot: { name: string; pem: string };
}

export interface CloudHsmIdentityOptions {
  /** Validation time; now unless known otherwise. */
  at?: Date;
  /** e.g. awscloudhsm://REGION/CLUSTER-ID */
  uri?: string;
}

export const AWS_VENDOR = 'aws-cloudhsm';

export async function verifyCloudHsmIdentity(
  certificates: CloudHsmClusterCertificates,
  roots: CloudHsmRoots,
  options: CloudHsmIdentityOptions = {},
): Promise<AttestationVerdict> {
  const at = options.at ?? new Date();
  const checks: VerdictCheck[] = [];
  let hsm: Certificate,
    awsHw: Certificate,
    mfrHw: Certificate,
    awsRoot: Certificate,
    mfrRoot: Certificate;
  let csr: x509.Pkcs10CertificateRequest;
  try {
    hsm = parseCertificate(certificates.HsmCertificate);
    awsHw = parseCertificate(certificates.AwsHardwareCertificate);
    mfrHw = parseCertificate(certificates.ManufacturerHardwareCertificate);
    awsRoot = parseCertificate(roots.awsRoot.pem);
    mfrRoot = parseCertificate(roots.manufacturerRoot.pem);
    csr = new x509.Pkcs10CertificateRequest(certificates.ClusterCsr);
  } catch (e) {
    checks.push(
      check(
        'certificates',
        'fail',
        `a certificate or the CSR is not valid PEM (${(e as Error).message})`,
      ),
    );
    return verdict(checks, null, at, options.uri);
  }
  checks.push(await chain('aws-chain', hsm, awsHw, awsRoot, roots.awsRoot.name, at));
  checks.push(
    await chain('manufacturer-chain', hsm, mfrHw, mfrRoot, roots.manufacturerRoot.name, at),
  );
  const hwKey = spkiSha256Of(awsHw);
  checks.push(
    hwKey === spkiSha256Of(mfrHw)
      ? check(
          'hardware-certificates',
          'pass',
          `AWS and manufacturer hardware certificates certify the same hardware key (SPKI SHA-256 ${hwKey})`,
        )
      : check(
          'hardware-certificates',
          'fail',
          'the AWS and manufacturer hardware certificates certify different keys',
        ),
  );
  const csrKey = sha256Hex(new Uint8Array(csr.publicKey.rawData));
  const hsmKey = spkiSha256Of(hsm);
  const csrSigned = await csr.verify().catch(() => false);
  checks.push(
    csrSigned && csrKey === hsmKey
      ? check(
          'csr-key',
          'pass',
          `the cluster CSR is self-signed by the HSM certificate's key (SPKI SHA-256 ${hsmKey})`,
        )
      : check(
          'csr-key',
          'fail',
          !csrSigned
            ? 'the cluster CSR signature does not verify'
            : `the cluster CSR key sha256:${csrKey} is not the HSM certificate key sha256:${hsmKey}`,
        ),
  );
  return verdict(checks, hsmKey, at, options.uri, commonName(hsm));
}

async function chain(
  name: string,
  leaf: Certificate,
  hardware: Certificate,
  root: Certificate,
  rootName: string,
  at: Date,
): Promise<VerdictCheck> {
  const problems: string[] = [];
  if (!(await signedBy(leaf, hardware)))
    problems.push(`"${commonName(leaf)}" is not signed by "${commonName(hardware)}"`);
  if (!(await signedBy(hardware, root)))
    problems.push(`"${commonName(hardware)}" is not signed by the ${rootName}`);
  if (!(await signedBy(root, root))) problems.push(`the ${rootName} is not a self-signed root`);
  for (const c of [leaf, hardware, root]) {
    if (!validAt(c, at)) problems.push(`"${commonName(c)}" is not valid at ${iso(at)}`);
  }
  return problems.length
    ? check(name, 'fail', problems.join('; '))
    : check(
        name,
        'pass',
        `"${commonName(leaf)}" ← "${commonName(hardware)}" ← ${rootName}; signatures valid at ${iso(at)}`,
      );
}

function verdict(
  checks: VerdictCheck[],
  hsmKey: string | null,
  at: Date,
  uri: string | undefined,
  label: string | null = null,
): AttestationVerdict {
  return buildVerdict({
    vendor: AWS_VENDOR,
    subject: { label, uri: uri ?? null, fingerprint: hsmKey ? `sha256:${hsmKey}` : null },
    checks,
    boundPublicKey: hsmKey ? { spkiSha256: hsmKey } : null,
    matchesCeremonyKey: null,
    validatedAt: iso(at),
    notes: [
      'This proves the identity of the HSM that made the cluster CSR (cluster level), not the provenance of any one key; keys on CloudHSM are attested through its PKCS#11 library.',
    ],
  });
}
