// `attest --key URI` and `attest marvell --attestation FILE --chain PEM`: attestation verdicts.
import type { CommandSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import { EXPECT_SPKI_SHA256, reportVerdict } from './shared-flags';

export const attestKeyCommand: CommandSpec = {
  words: ['attest'],
  usage: 'attest --key URI [--accept-imported] [--expect-spki-sha256 HEX] [--endpoint HOST]',
  summary:
    "a key's attestation verdict: PKCS#11 provenance, Azure or Cloud HSM attestation, CloudHSM cluster identity",
  details: [
    'URI is a pkcs11: key, azurekv://VAULT-HOST/keys/NAME[/VERSION], gcpkms://…/cryptoKeyVersions/V',
    'or awscloudhsm://REGION/CLUSTER-ID (the HSM identity chain; attest cluster takes other roots).',
    'Exit 1 unless every check passes. An imported key is reported as imported, truthfully.',
  ],
  flags: {
    key: {
      type: 'string',
      value: 'URI',
      help: 'the key (pkcs11: URI with pin-source, or a cloud key address)',
      required: true,
    },
    'accept-imported': {
      type: 'boolean',
      help: 'a key imported by a verified transfer passes the origin check',
    },
    'expect-spki-sha256': EXPECT_SPKI_SHA256,
    endpoint: {
      type: 'string',
      value: 'HOST',
      help: 'a Cloud KMS or CloudHSM API endpoint instead of the public one (loopback: plaintext)',
    },
  },
  async run(ctx) {
    const spki = optionalString(ctx, 'expect-spki-sha256');
    const endpoint = optionalString(ctx, 'endpoint');
    const v = await ctx.service.attestKey(stringFlag(ctx, 'key'), {
      ...(ctx.values['accept-imported'] === true ? { acceptImported: true } : {}),
      ...(spki ? { expectedSpkiSha256: spki } : {}),
      ...(endpoint ? { endpoint } : {}),
    });
    return reportVerdict(ctx, v);
  },
};

export const attestMarvellCommand: CommandSpec = {
  words: ['attest', 'marvell'],
  usage:
    'attest marvell --attestation FILE --chain PEM [--owner-chain PEM] [--public-key FILE] [--attested-at ISO]',
  summary: 'verifies a Marvell LiquidSecurity attestation (Google Cloud HSM, Azure Managed HSM)',
  details: [
    'FILE is the attestation (binary or base64) or a Cloud KMS key version JSON; PEM holds both chains',
    'unless --owner-chain is given. Chains are validated at the attestation time, which the verdict states.',
  ],
  flags: {
    attestation: { type: 'string', value: 'FILE', help: 'the attestation', required: true },
    chain: {
      type: 'string',
      value: 'PEM',
      help: 'the certificate chains (manufacturer and owner)',
      required: true,
    },
    'owner-chain': {
      type: 'string',
      value: 'PEM',
      help: 'the owner chain, when --chain holds only the manufacturer chain',
    },
    'public-key': {
      type: 'string',
      value: 'FILE',
      help: 'the public key the ceremony holds (PEM/DER key or certificate)',
    },
    'attested-at': {
      type: 'string',
      value: 'ISO',
      help: 'when the attestation was made, if known better than the certificates say',
    },
  },
  async run(ctx) {
    const owner = optionalString(ctx, 'owner-chain');
    const pub = optionalString(ctx, 'public-key');
    const at = optionalString(ctx, 'attested-at');
    const v = await ctx.service.attestMarvell({
      attestation: stringFlag(ctx, 'attestation'),
      chain: stringFlag(ctx, 'chain'),
      ...(owner ? { ownerChain: owner } : {}),
      ...(pub ? { publicKey: pub } : {}),
      ...(at ? { attestedAt: at } : {}),
    });
    return reportVerdict(ctx, v);
  },
};

export const attestYubiHsmCommand: CommandSpec = {
  words: ['attest', 'yubihsm'],
  usage:
    'attest yubihsm --attestation PEM --device-cert PEM [--intermediates PEM] [--root PEM] [--expect-spki-sha256 HEX] [--at ISO]',
  summary: "verifies a YubiHSM 2 key attestation certificate (Yubico's extensions and chain)",
  details: [
    'PEM is the attestation certificate the HSM signed for the key; --device-cert is the device',
    "attestation certificate (opaque object 0). Without Yubico's sub-CA the device chain is unknown.",
  ],
  flags: {
    attestation: {
      type: 'string',
      value: 'PEM',
      help: "the key's attestation certificate",
      required: true,
    },
    'device-cert': {
      type: 'string',
      value: 'PEM',
      help: "the device's attestation certificate",
      required: true,
    },
    intermediates: { type: 'string', value: 'PEM', help: "Yubico's sub-CA certificate(s)" },
    root: { type: 'string', value: 'PEM', help: "a root replacing Yubico's pinned one" },
    'expect-spki-sha256': EXPECT_SPKI_SHA256,
    at: { type: 'string', value: 'ISO', help: 'the instant to validate the chain at (now)' },
  },
  async run(ctx) {
    const optional = (name: string) => optionalString(ctx, name);
    const v = await ctx.service.attestYubiHsm({
      attestation: stringFlag(ctx, 'attestation'),
      deviceCert: stringFlag(ctx, 'device-cert'),
      ...(optional('intermediates') ? { intermediates: optional('intermediates')! } : {}),
      ...(optional('root') ? { root: optional('root')! } : {}),
      ...(optional('expect-spki-sha256')
        ? { expectedSpkiSha256: optional('expect-spki-sha256')! }
        : {}),
      ...(optional('at') ? { at: optional('at')! } : {}),
    });
    return reportVerdict(ctx, v);
  },
};
