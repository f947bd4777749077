// The two trust anchors of a LiquidSecurity attestation, shipped in resources/attestation/ (see
// its README for where each came from). The file is what we read; the SHA-256 here is what we
// trust, so a replaced file is refused rather than believed.
import { readFileSync } from 'node:fs';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { resourcePath } from '../../resources';
import { certSha256, parseCertificate } from '../x509-links';
import type { Certificate } from '../x509-links';

export interface PinnedRoot {
  /** What the verdict calls it. */
  name: string;
  cert: Certificate;
  sha256: string;
}

export interface MarvellRoots {
  manufacturer: PinnedRoot;
  owner: PinnedRoot;
}

const PINS = {
  manufacturer: {
    name: 'Marvell (Cavium) LiquidSecurity manufacturer root',
    file: 'attestation/marvell-liquidsecurity-root.pem',
    sha256: '975757f0d76640e03d14760f8fc9e3a55826fa7807b2c392f7801a95bd69cc28',
  },
  owner: {
    name: 'Google Cloud HSM owner root (Hawksbill Root v1 prod)',
    file: 'attestation/google-cloud-hsm-owner-root.pem',
    sha256: '46b5fd351d56a0721ca0afcd1731c0f7b74e3941eb818bfd0ec36e29df0de095',
  },
} as const;

let cached: MarvellRoots | null = null;

export function pinnedMarvellRoots(): MarvellRoots {
  cached ??= {
    manufacturer: loadPinned(PINS.manufacturer),
    owner: loadPinned(PINS.owner),
  };
  return cached;
}

function loadPinned(pin: { name: string; file: string; sha256: string }): PinnedRoot {
  const cert = parseCertificate(readFileSync(resourcePath(pin.file), 'utf8'));
  const sha256 = certSha256(cert);
  if (sha256 !== pin.sha256) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `resources/${pin.file} is not the pinned ${pin.name} (SHA-256 ${sha256}, expected ${pin.sha256}).`,
    );
  }
  return { name: pin.name, cert, sha256 };
}
