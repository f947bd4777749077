// AWS CloudHSM cluster identity, from the certificates DescribeClusters returns
// (Clusters[].Certificates), following AWS's "Verify the identity and authenticity of your
// cluster's HSM": before a cluster is initialised, prove the HSM that produced the cluster CSR is
// a genuine AWS CloudHSM:
//   HsmCertificate ← AwsHardwareCertificate ← AWS CloudHSM root
//   HsmCertificate ← ManufacturerHardwareCertificate ← manufacturer root
//   and the ClusterCsr carries the HsmCertificate's public key.
// Both hardware certificates certify the same hardware key (AWS and the manufacturer each vouch
// for it), which is why one HSM certificate verifies under both. Once initialised, the cluster
// certificate (the CSR signed by the customer's issuing CA) is what remains; it is checked
// against the CA the user supplies. A pure function over PEM text: which anchors to trust is the
// caller's choice (pinned ones in ./roots.ts, or the user's).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { sha256Hex } from '../provenance';
import { buildVerdict, check } from '../verdict';
import type { AttestationVerdict, VerdictCheck } from '../verdict';
import { commonName, iso, parseCertificate, signedBy, spkiSha256Of, validAt } from '../x509-links';
import type { Certificate } from '../x509-links';
import { hardwareChain } from './hardware-chain';
import type { TrustAnchor } from './hardware-chain';

export type { TrustAnchor } from './hardware-chain';

/** The fields of DescribeClusters' `Certificates`, as PEM text; AWS omits some by cluster state. */
export interface CloudHsmClusterCertificates {
  ClusterCsr?: string;
  HsmCertificate?: string;
  AwsHardwareCertificate?: string;
  ManufacturerHardwareCertificate?: string;
  ClusterCertificate?: string;
}

export interface CloudHsmRoots {
  /** Candidates for the AWS CloudHSM root (matched by the AWS hardware certificate's issuer). */
  aws: TrustAnchor[];
  /** Candidates for the manufacturer root (matched by the manufacturer certificate's issuer). */
  manufacturer: TrustAnchor[];
  /** The customer's issuing CA, the trust anchor given to InitializeCluster. */
  clusterCa?: TrustAnchor;
}

export interface CloudHsmIdentityOptions {
  /** Validation time; when absent, now (with the expired-pinned-root rule of hardware-chain.ts). */
  at?: Date;
  /** e.g. awscloudhsm://REGION/CLUSTER-ID */
  uri?: string;
  /** DescribeClusters' State, for the notes. */
  clusterState?: string | null;
}

export const AWS_VENDOR = 'aws-cloudhsm';

const FIELDS = [
  'ClusterCsr',
  'HsmCertificate',
  'AwsHardwareCertificate',
  'ManufacturerHardwareCertificate',
  'ClusterCertificate',
] as const;

interface Parsed {
  csr?: x509.Pkcs10CertificateRequest;
  hsm?: Certificate;
  awsHw?: Certificate;
  mfrHw?: Certificate;
  cluster?: Certificate;
}

function parseAll(certs: CloudHsmClusterCertificates): { parsed: Parsed; bad: string[] } {
  const parsed: Parsed = {};
  const bad: string[] = [];
  for (const field of FIELDS) {
    const pem = certs[field];
    if (!pem) continue;
    try {
      if (field === 'ClusterCsr') parsed.csr = new x509.Pkcs10CertificateRequest(pem);
      else if (field === 'HsmCertificate') parsed.hsm = parseCertificate(pem);
      else if (field === 'AwsHardwareCertificate') parsed.awsHw = parseCertificate(pem);
      else if (field === 'ManufacturerHardwareCertificate') parsed.mfrHw = parseCertificate(pem);
      else parsed.cluster = parseCertificate(pem);
    } catch (e) {
      bad.push(`${field} (${(e as Error).message})`);
    }
  }
  return { parsed, bad };
}

const missing = (field: string) =>
  `unknown: DescribeClusters returned no ${field}; AWS returns the HSM identity certificates only until the cluster is initialised`;

export async function verifyCloudHsmIdentity(
  certificates: CloudHsmClusterCertificates,
  roots: CloudHsmRoots,
  options: CloudHsmIdentityOptions = {},
): Promise<AttestationVerdict> {
  const time = { at: options.at ?? new Date(), explicit: options.at !== undefined };
  const checks: VerdictCheck[] = [];
  const notes: string[] = [
    'This proves the identity of the HSM that made the cluster CSR (cluster level), not the provenance of any one key; keys on CloudHSM are attested through its PKCS#11 library.',
  ];
  const { parsed, bad } = parseAll(certificates);
  if (bad.length > 0) {
    checks.push(check('certificates', 'fail', `not valid PEM: ${bad.join('; ')}`));
    return verdict(checks, null, null, time.at, options.uri, notes);
  }
  const { hsm, awsHw, mfrHw, csr, cluster } = parsed;
  for (const [name, label, hw, field, anchors] of [
    ['aws-chain', 'AWS hardware certificate', awsHw, 'AwsHardwareCertificate', roots.aws],
    [
      'manufacturer-chain',
      'manufacturer hardware certificate',
      mfrHw,
      'ManufacturerHardwareCertificate',
      roots.manufacturer,
    ],
  ] as const) {
    if (!hsm || !hw) {
      checks.push(check(name, 'unknown', missing(hsm ? field : 'HsmCertificate')));
      continue;
    }
    const r = await hardwareChain(name, label, hsm, hw, anchors, time);
    checks.push(r.check);
    if (r.note) notes.push(r.note);
  }
  if (awsHw && mfrHw) {
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
            `the AWS hardware certificate (key sha256:${hwKey}) and the manufacturer hardware certificate (key sha256:${spkiSha256Of(mfrHw)}) certify different keys`,
          ),
    );
  }
  const hsmKey = hsm ? spkiSha256Of(hsm) : null;
  const csrKey = csr ? sha256Hex(new Uint8Array(csr.publicKey.rawData)) : null;
  if (!csr || !hsmKey) {
    checks.push(check('csr-key', 'unknown', missing(csr ? 'HsmCertificate' : 'ClusterCsr')));
  } else {
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
  }
  if (cluster) {
    checks.push(await clusterCertificate(cluster, roots.clusterCa, hsmKey ?? csrKey, time.at));
  } else if (roots.clusterCa) {
    checks.push(
      check(
        'cluster-certificate',
        'unknown',
        'unknown: DescribeClusters returned no ClusterCertificate (the cluster is not initialised), so the issuing CA you supplied was not checked',
      ),
    );
  } else {
    notes.push(
      `No cluster certificate: the cluster${options.clusterState ? ` (state ${options.clusterState})` : ''} is not initialised yet, so no customer CA has signed its CSR.`,
    );
  }
  const boundKey = hsmKey ?? (cluster ? spkiSha256Of(cluster) : null);
  return verdict(checks, boundKey, hsm ?? cluster ?? null, time.at, options.uri, notes);
}

async function clusterCertificate(
  cluster: Certificate,
  ca: TrustAnchor | undefined,
  hsmKey: string | null,
  at: Date,
): Promise<VerdictCheck> {
  const clusterKey = spkiSha256Of(cluster);
  const issuer = `"${cluster.issuer}"`;
  if (hsmKey && hsmKey !== clusterKey) {
    return check(
      'cluster-certificate',
      'fail',
      `the cluster certificate certifies key sha256:${clusterKey}, not the HSM's key sha256:${hsmKey}`,
    );
  }
  if (!ca) {
    return check(
      'cluster-certificate',
      'unknown',
      `unknown: the cluster certificate is issued by ${issuer}; pass --cluster-ca with your issuing CA's certificate to check it`,
    );
  }
  const caCert = parseCertificate(ca.pem);
  const problems: string[] = [];
  if (!(await signedBy(cluster, caCert))) {
    problems.push(
      `the cluster certificate is issued by ${issuer}, not signed by ${ca.name} "${caCert.subject}"`,
    );
  }
  if (!(await signedBy(caCert, caCert))) {
    problems.push(
      `${ca.name} is not self-signed (InitializeCluster's trust anchor must be a root)`,
    );
  }
  for (const [what, c] of [
    ['the cluster certificate', cluster],
    [ca.name, caCert],
  ] as const) {
    if (!validAt(c, at)) problems.push(`${what} "${commonName(c)}" is not valid at ${iso(at)}`);
  }
  return problems.length
    ? check('cluster-certificate', 'fail', problems.join('; '))
    : check(
        'cluster-certificate',
        'pass',
        `the cluster certificate for key sha256:${clusterKey} is issued by ${ca.name} "${commonName(caCert)}"; valid at ${iso(at)}`,
      );
}

function verdict(
  checks: VerdictCheck[],
  key: string | null,
  named: Certificate | null,
  at: Date,
  uri: string | undefined,
  notes: string[],
): AttestationVerdict {
  return buildVerdict({
    vendor: AWS_VENDOR,
    subject: {
      label: named ? commonName(named) : null,
      uri: uri ?? null,
      fingerprint: key ? `sha256:${key}` : null,
    },
    checks,
    boundPublicKey: key ? { spkiSha256: key } : null,
    matchesCeremonyKey: null,
    validatedAt: iso(at),
    notes,
  });
}
