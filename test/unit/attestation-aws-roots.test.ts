// The REAL trust anchors shipped for CloudHSM identity chains (resources/attestation/aws/
// SOURCES.md): the AWS CloudHSM Root G1, rebuilt from AWS's published text and accepted because
// its own signature verifies, and the Cavium LiquidSecurity root shared with the Marvell verdicts.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pinnedCloudHsmRoots } from '../../src/main/attestation/aws/roots';

const AWS_ROOT_SHA256 = '9c6958fcacbb6f0e36546be1f2ce59ad84ee206835e6977f697d30dce9a7b570';

describe('pinned AWS CloudHSM roots', () => {
  it('ships the AWS CloudHSM Root G1 as AWS printed it: names, serial, validity, key id, self-signature', () => {
    const pem = readFileSync(
      new URL('../../resources/attestation/aws/aws-cloudhsm-root-g1.pem', import.meta.url),
      'utf8',
    );
    const cert = new X509Certificate(pem);
    expect(createHash('sha256').update(cert.raw).digest('hex')).toBe(AWS_ROOT_SHA256);
    expect(cert.subject.split('\n')).toEqual([
      'C=US',
      'ST=Virginia',
      'L=Herndon',
      'O=Amazon Web Services INC.',
      'OU=CloudHSM',
      'CN=AWS CloudHSM Root G1',
    ]);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.serialNumber).toBe('F924EEEECF9EA64F');
    expect(new Date(cert.validFrom).toISOString()).toBe('2017-04-28T08:37:46.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2027-04-26T08:37:46.000Z');
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    // The modulus AWS prints starts c8:e3:f6:2a and ends 2e:21:ee:52:61.
    const n = Buffer.from(
      cert.publicKey.export({ format: 'jwk' }).n as string,
      'base64url',
    ).toString('hex');
    expect(n.startsWith('c8e3f62a')).toBe(true);
    expect(n.endsWith('2e21ee5261')).toBe(true);
  });

  it('offers that root for the AWS chain and the Cavium LiquidSecurity root for the manufacturer chain', () => {
    const roots = pinnedCloudHsmRoots();
    expect(roots.aws.map((r) => [r.name, r.pinned])).toEqual([['AWS CloudHSM Root G1', true]]);
    expect(roots.manufacturer.map((r) => r.name)).toEqual([
      'Marvell (Cavium) LiquidSecurity manufacturer root',
    ]);
    const cavium = new X509Certificate(roots.manufacturer[0]!.pem);
    expect(cavium.subject).toContain('CN=localca.liquidsecurity.cavium.com');
    expect(createHash('sha256').update(cavium.raw).digest('hex')).toBe(
      '975757f0d76640e03d14760f8fc9e3a55826fa7807b2c392f7801a95bd69cc28',
    );
  });
});
