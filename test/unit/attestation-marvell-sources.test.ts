// Where the Marvell verdict's confidence comes from: our reader agrees with an independent one
// (@peculiar/attestation-marvell) on both real vectors, the pinned roots are the ones published
// with that library and named in resources/attestation/README.md, a perfectly consistent forgery
// under look-alike roots is refused only because the roots are pinned, and the real imported
// RSA key in the vector reads as imported.
import 'reflect-metadata';
import { createHash, createPrivateKey, sign, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { crc32, gunzipSync } from 'node:zlib';
import * as x509 from '@peculiar/x509';
import { MarvellAttestationProvider } from '@peculiar/attestation-marvell';
import { deflateRaw } from 'pako';
import { describe, expect, it } from 'vitest';
import {
  decodeAttestationFile,
  fromKmsKeyVersion,
  pinnedMarvellRoots,
  provenanceChecks,
  verifyMarvellAttestation,
} from '../../src/main/attestation';
import {
  attrBool,
  attrText,
  parseMarvellAttestation,
  Tag,
} from '../../src/main/attestation/marvell/parse';
import { parsePemCertificates } from '../../src/main/attestation/x509-links';
import { loadMarvellVector } from '../helpers/marvell-vector';

const vector = loadMarvellVector();
const present = vector !== null;
const ecc = vector
  ? new Uint8Array(Buffer.from(vector.attestationBase64, 'base64'))
  : new Uint8Array();
const rsa = vector
  ? new Uint8Array(Buffer.from(vector.extraParserVectors.rsaAttestationBase64url, 'base64url'))
  : new Uint8Array();
const pems =
  vector?.certChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
const NOW = new Date('2026-03-01T00:00:00Z');
const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');

describe.skipIf(!present)('Marvell evidence sources (real vectors)', () => {
  it('reads both real vectors exactly as @peculiar/attestation-marvell does', async () => {
    const library = new MarvellAttestationProvider();
    for (const blob of [ecc, rsa]) {
      const theirs = (await library.read(blob)).metadata;
      const ours = parseMarvellAttestation(new Uint8Array(gunzipSync(blob)));
      const objects = [theirs.attestationData.firstKey, theirs.attestationData.secondKey].filter(
        (o) => o !== undefined,
      );
      expect(ours.objects.length).toBe(objects.length);
      ours.objects.forEach((o, i) => {
        const a = objects[i]!.attributes;
        expect(o.handle).toBe(objects[i]!.handle);
        expect(attrText(o, Tag.LABEL)).toBe(a.OBJ_ATTR_LABEL);
        expect(attrBool(o, Tag.LOCAL)).toBe(a.OBJ_ATTR_LOCAL);
        expect(attrBool(o, Tag.EXTRACTABLE)).toBe(a.OBJ_ATTR_EXTRACTABLE);
        expect(attrBool(o, Tag.NEVER_EXTRACTABLE)).toBe(a.OBJ_ATTR_NEVER_EXTRACTABLE);
        expect(attrBool(o, Tag.ALWAYS_SENSITIVE)).toBe(a.OBJ_ATTR_ALWAYS_SENSITIVE);
        expect(attrBool(o, Tag.SENSITIVE)).toBe(a.OBJ_ATTR_SENSITIVE);
        expect(Buffer.from(o.attributes.get(Tag.MODULUS)!)).toEqual(
          Buffer.from(a.OBJ_ATTR_MODULUS),
        );
      });
      expect(Buffer.from(ours.signature)).toEqual(Buffer.from(theirs.signature));
      expect(Buffer.from(ours.signedData)).toEqual(Buffer.from(theirs.signedData));
    }
  });

  it('pins the roots the vector documents, byte-identical to those inside the published library', () => {
    const roots = pinnedMarvellRoots();
    expect(roots.manufacturer.sha256).toBe(
      '975757f0d76640e03d14760f8fc9e3a55826fa7807b2c392f7801a95bd69cc28',
    );
    expect(roots.owner.sha256).toBe(
      '46b5fd351d56a0721ca0afcd1731c0f7b74e3941eb818bfd0ec36e29df0de095',
    );
    expect(Buffer.from(roots.manufacturer.cert.rawData)).toEqual(
      der(vector!.roots.MANUFACTURER_ROOT_CERT_PEM),
    );
    expect(Buffer.from(roots.owner.cert.rawData)).toEqual(der(vector!.roots.OWNER_ROOT_CERT_PEM));
    const require = createRequire(import.meta.url);
    const bundled = require('@peculiar/attestation-marvell/build/cjs/certs.js') as Record<
      string,
      x509.X509Certificate
    >;
    expect(Buffer.from(bundled.MANUFACTURER_ROOT_CERT!.rawData)).toEqual(
      Buffer.from(roots.manufacturer.cert.rawData),
    );
    expect(Buffer.from(bundled.OWNER_ROOT_CERT!.rawData)).toEqual(
      Buffer.from(roots.owner.cert.rawData),
    );
    const readme = readFileSync(
      fileURLToPath(new URL('../../resources/attestation/README.md', import.meta.url)),
      'utf8',
    );
    expect(readme).toContain(roots.manufacturer.sha256);
    expect(readme).toContain(roots.owner.sha256);
  });

  it('refuses a self-consistent forgery under look-alike roots, which only pinning tells apart', async () => {
    // SYNTHETIC: every certificate reuses the real names but new keys; the attestation's signed
    // bytes are re-signed with the forged partition key and re-packed as the HSM would.
    const real = pems.map((p) => new x509.X509Certificate(p));
    const roots = pinnedMarvellRoots();
    const alg = {
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
      publicExponent: new Uint8Array([1, 0, 1]),
      modulusLength: 2048,
    };
    const keys = await Promise.all(
      [0, 1, 2, 3].map(() => webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])),
    );
    const [fakeMfrRoot, fakeCard, fakePartition, fakeOwnerRoot] = keys as [
      CryptoKeyPair,
      CryptoKeyPair,
      CryptoKeyPair,
      CryptoKeyPair,
    ];
    const make = (
      subject: x509.Name,
      issuer: x509.Name,
      key: CryptoKeyPair,
      signer: CryptoKeyPair,
    ) =>
      x509.X509CertificateGenerator.create({
        subject,
        issuer,
        publicKey: key.publicKey,
        signingKey: signer.privateKey,
        notBefore: new Date('2024-01-01T00:00:00Z'),
        notAfter: new Date('2030-01-01T00:00:00Z'),
        signingAlgorithm: alg,
      });
    const mfrRoot = await make(
      roots.manufacturer.cert.subjectName,
      roots.manufacturer.cert.subjectName,
      fakeMfrRoot,
      fakeMfrRoot,
    );
    const ownerRoot = await make(
      roots.owner.cert.subjectName,
      roots.owner.cert.subjectName,
      fakeOwnerRoot,
      fakeOwnerRoot,
    );
    const card = await make(real[1]!.subjectName, mfrRoot.subjectName, fakeCard, fakeMfrRoot);
    const partition = await make(real[0]!.subjectName, card.subjectName, fakePartition, fakeCard);
    const ownerPartition = await make(
      real[0]!.subjectName,
      ownerRoot.subjectName,
      fakePartition,
      fakeOwnerRoot,
    );
    const ownerCard = await make(
      real[1]!.subjectName,
      ownerRoot.subjectName,
      fakeCard,
      fakeOwnerRoot,
    );
    const signed = parseMarvellAttestation(new Uint8Array(gunzipSync(ecc))).signedData;
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', fakePartition.privateKey));
    const signature = sign(
      'sha256',
      signed,
      createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
    );
    const forged = hsmGzip(Buffer.concat([signed, signature]));
    const input = {
      attestation: forged,
      manufacturerChainPem: `${partition.toString('pem')}\n${card.toString('pem')}`,
      ownerChainPem: `${ownerPartition.toString('pem')}\n${ownerCard.toString('pem')}`,
      now: NOW,
    };
    const v = await verifyMarvellAttestation(input);
    expect(v.overall).toBe('fail');
    expect(v.checks.find((c) => c.name === 'manufacturer-chain')?.status).toBe('fail');
    expect(v.checks.find((c) => c.name === 'owner-chain')?.status).toBe('fail');
    expect(v.checks.find((c) => c.name === 'attestation-signature')?.status).toBe('pass');
    expect(v.checks.find((c) => c.name === 'origin')?.status).toBe('unknown'); // not authenticated
    const fakeRoots = {
      manufacturer: { name: 'SYNTHETIC manufacturer root', cert: mfrRoot, sha256: hash(mfrRoot) },
      owner: { name: 'SYNTHETIC owner root', cert: ownerRoot, sha256: hash(ownerRoot) },
    };
    expect((await verifyMarvellAttestation({ ...input, roots: fakeRoots })).overall).toBe('pass');
  });

  it('reads the real RSA vector as an imported key: not generated in that HSM, yet not extractable', () => {
    const [key] = parseMarvellAttestation(new Uint8Array(gunzipSync(rsa))).objects;
    const p = {
      local: attrBool(key!, Tag.LOCAL),
      neverExtractable: attrBool(key!, Tag.NEVER_EXTRACTABLE),
      alwaysSensitive: attrBool(key!, Tag.ALWAYS_SENSITIVE),
      extractable: attrBool(key!, Tag.EXTRACTABLE),
      sensitive: attrBool(key!, Tag.SENSITIVE),
    };
    const [origin, leaves] = provenanceChecks(p, 'OBJ_ATTR_');
    expect(origin).toMatchObject({
      status: 'fail',
      evidence: expect.stringContaining('imported, not generated in this HSM'),
    });
    expect(origin!.evidence).toContain('OBJ_ATTR_LOCAL=false, OBJ_ATTR_NEVER_EXTRACTABLE=false');
    expect(leaves?.status).toBe('pass');
    expect(provenanceChecks(p, 'OBJ_ATTR_', { acceptImported: true })[0]?.status).toBe('pass');
  });

  it("does not verify the RSA attestation with another partition's chain", async () => {
    const v = await verifyMarvellAttestation({
      attestation: rsa,
      manufacturerChainPem: `${pems[0]}\n${pems[1]}`,
      ownerChainPem: `${pems[2]}\n${pems[3]}`,
      now: NOW,
    });
    expect(v.checks.find((c) => c.name === 'attestation-signature')?.status).toBe('fail');
    expect(v.overall).toBe('fail');
  });

  it('takes the attestation as binary, base64 or base64url, and from a Cloud KMS key version JSON', async () => {
    for (const text of [vector!.attestationBase64, Buffer.from(ecc).toString('base64url')]) {
      expect(Buffer.from(decodeAttestationFile(new Uint8Array(Buffer.from(text))))).toEqual(
        Buffer.from(ecc),
      );
    }
    // Reshaped from the vector into the CryptoKeyVersion JSON layout gcloud prints.
    const keyVersion = {
      name: 'projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1',
      generateTime: '2024-04-16T10:00:00Z',
      attestation: {
        format: 'CAVIUM_V2_COMPRESSED',
        content: vector!.attestationBase64,
        certChains: {
          caviumCerts: pems.slice(0, 2),
          googlePartitionCerts: [pems[2]],
          googleCardCerts: [pems[3]],
        },
      },
    };
    const input = fromKmsKeyVersion(keyVersion);
    expect(input.generateTime?.toISOString()).toBe('2024-04-16T10:00:00.000Z');
    const v = await verifyMarvellAttestation({
      ...input,
      attestedAt: { at: input.generateTime!, source: "the KMS key version's generateTime" },
      uri: 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1',
      now: NOW,
    });
    expect(v.overall).toBe('pass');
    expect(v.validatedAt).toBe('2024-04-16T10:00:00Z');
    expect(v.notes[0]).toContain('generateTime');
    expect(parsePemCertificates(input.ownerChainPem)).toHaveLength(2);
  });
});

/** gzip the way the HSM writes it: fixed header, zlib level 6, CRC-32 and length. */
function hsmGzip(data: Buffer): Uint8Array {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length, 4);
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, deflateRaw(data, { level: 6, memLevel: 8 }), trailer]);
}

function hash(c: x509.X509Certificate): string {
  return createHash('sha256').update(Buffer.from(c.rawData)).digest('hex');
}
