// SYNTHETIC CloudHSM identity certificates for tests. A live cluster's certificates are not
// available on this machine, so each test builds a real PKI of its own with the shape AWS uses
// (RSA 2048, SHA-256): a stand-in "AWS CloudHSM root" and "manufacturer root", one hardware key
// certified by both (the AWS and the manufacturer hardware certificates), the HSM certificate
// signed by that hardware key, and the cluster CSR made with the HSM key. Every name says
// SYNTHETIC: none of these is, or imitates the bytes of, a real AWS or Marvell certificate.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const alg = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
};

export const SYNTHETIC_NAMES = {
  awsRoot: 'CN=SYNTHETIC AWS CloudHSM Root (test only), OU=CloudHSM, O=Olocus tests',
  manufacturerRoot: 'CN=SYNTHETIC LiquidSecurity root (test only), O=Olocus tests',
  hardware: 'CN=SYNTHETIC HSM hardware H1 (test only), O=Olocus tests',
  hsm: 'CN=SYNTHETIC HSM:cluster (test only), O=Olocus tests',
  customerCa: 'CN=SYNTHETIC customer issuing CA (test only), O=Olocus tests',
} as const;

export function newKey(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export const DEFAULT_VALIDITY: Validity = {
  notBefore: new Date('2024-01-01T00:00:00Z'),
  notAfter: new Date('2035-01-01T00:00:00Z'),
};

let serial = 1;

export async function issue(
  subject: string,
  issuer: string,
  key: CryptoKey,
  signer: CryptoKey,
  validity: Validity = DEFAULT_VALIDITY,
  ca = false,
): Promise<string> {
  const c = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(4, '0'),
    subject,
    issuer,
    publicKey: key,
    signingKey: signer,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    signingAlgorithm: alg,
    extensions: ca ? [new x509.BasicConstraintsExtension(true, undefined, true)] : [],
  });
  return c.toString('pem');
}

export async function csrFor(key: CryptoKeyPair): Promise<string> {
  const r = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=SYNTHETIC HSM:cluster-csr (test only), O=Olocus tests',
    keys: key,
    signingAlgorithm: alg,
  });
  return r.toString('pem');
}

export interface SyntheticPki {
  keys: Record<'awsRoot' | 'manufacturerRoot' | 'hardware' | 'hsm', CryptoKeyPair>;
  awsRootPem: string;
  manufacturerRootPem: string;
  /** DescribeClusters' Certificates for an uninitialised cluster. */
  certificates: {
    ClusterCsr: string;
    HsmCertificate: string;
    AwsHardwareCertificate: string;
    ManufacturerHardwareCertificate: string;
  };
}

export async function syntheticPki(
  hsmValidity: Validity = DEFAULT_VALIDITY,
): Promise<SyntheticPki> {
  const [awsRoot, manufacturerRoot, hardware, hsm] = await Promise.all([
    newKey(),
    newKey(),
    newKey(),
    newKey(),
  ]);
  const keys = {
    awsRoot: awsRoot!,
    manufacturerRoot: manufacturerRoot!,
    hardware: hardware!,
    hsm: hsm!,
  };
  const N = SYNTHETIC_NAMES;
  return {
    keys,
    awsRootPem: await issue(
      N.awsRoot,
      N.awsRoot,
      keys.awsRoot.publicKey,
      keys.awsRoot.privateKey,
      DEFAULT_VALIDITY,
      true,
    ),
    manufacturerRootPem: await issue(
      N.manufacturerRoot,
      N.manufacturerRoot,
      keys.manufacturerRoot.publicKey,
      keys.manufacturerRoot.privateKey,
      DEFAULT_VALIDITY,
      true,
    ),
    certificates: {
      ClusterCsr: await csrFor(keys.hsm),
      HsmCertificate: await issue(
        N.hsm,
        N.hardware,
        keys.hsm.publicKey,
        keys.hardware.privateKey,
        hsmValidity,
      ),
      AwsHardwareCertificate: await issue(
        N.hardware,
        N.awsRoot,
        keys.hardware.publicKey,
        keys.awsRoot.privateKey,
        DEFAULT_VALIDITY,
        true,
      ),
      ManufacturerHardwareCertificate: await issue(
        N.hardware,
        N.manufacturerRoot,
        keys.hardware.publicKey,
        keys.manufacturerRoot.privateKey,
        DEFAULT_VALIDITY,
        true,
      ),
    },
  };
}

/** A cluster in DescribeClusters' wire form (JSON 1.1: timestamps in epoch seconds). */
export function wireCluster(
  id: string,
  certificates: Record<string, string>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ClusterId: id,
    State: 'UNINITIALIZED',
    HsmType: 'hsm1.medium',
    BackupPolicy: 'DEFAULT',
    BackupRetentionPolicy: { Type: 'DAYS', Value: '90' },
    CreateTimestamp: 1767225600.123,
    VpcId: 'vpc-0synthetic',
    SecurityGroup: 'sg-0synthetic',
    SubnetMapping: { 'eu-west-1a': 'subnet-0aaa', 'eu-west-1b': 'subnet-0bbb' },
    Hsms: [
      {
        HsmId: `hsm-${id.slice(8, 19)}a`,
        ClusterId: id,
        AvailabilityZone: 'eu-west-1a',
        EniIp: '10.0.1.10',
        EniId: 'eni-0aaa',
        SubnetId: 'subnet-0aaa',
        State: 'ACTIVE',
        StateMessage: 'HSM created.',
      },
    ],
    Certificates: certificates,
    ...extra,
  };
}
