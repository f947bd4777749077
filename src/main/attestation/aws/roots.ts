// The trust anchors shipped for CloudHSM identity chains (resources/attestation/aws/SOURCES.md
// says where each came from). The file is what we read; the SHA-256 here is what we trust, so a
// replaced file is refused rather than believed.
import { readFileSync } from 'node:fs';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { resourcePath } from '../../resources';
import { certSha256, parseCertificate } from '../x509-links';
import type { TrustAnchor } from './hardware-chain';

const PINS = {
  aws: [
    {
      name: 'AWS CloudHSM Root G1',
      file: 'attestation/aws/aws-cloudhsm-root-g1.pem',
      sha256: '9c6958fcacbb6f0e36546be1f2ce59ad84ee206835e6977f697d30dce9a7b570',
    },
  ],
  manufacturer: [
    {
      name: 'Marvell (Cavium) LiquidSecurity manufacturer root',
      file: 'attestation/marvell-liquidsecurity-root.pem',
      sha256: '975757f0d76640e03d14760f8fc9e3a55826fa7807b2c392f7801a95bd69cc28',
    },
  ],
} as const;

let cached: { aws: TrustAnchor[]; manufacturer: TrustAnchor[] } | null = null;

export function pinnedCloudHsmRoots(): { aws: TrustAnchor[]; manufacturer: TrustAnchor[] } {
  cached ??= { aws: PINS.aws.map(load), manufacturer: PINS.manufacturer.map(load) };
  return cached;
}

function load(pin: { name: string; file: string; sha256: string }): TrustAnchor {
  const pem = readFileSync(resourcePath(pin.file), 'utf8');
  const sha256 = certSha256(parseCertificate(pem));
  if (sha256 !== pin.sha256) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `resources/${pin.file} is not the pinned ${pin.name} (SHA-256 ${sha256}, expected ${pin.sha256}).`,
    );
  }
  return { name: pin.name, pem, pinned: true };
}

/** A root the user passed for this run (PEM text), replacing the pinned ones for its chain. */
export function suppliedAnchor(name: string, pem: string): TrustAnchor {
  try {
    parseCertificate(pem);
  } catch (e) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The ${name} is not a PEM certificate (${(e as Error).message}).`,
    );
  }
  return { name, pem, pinned: false };
}
