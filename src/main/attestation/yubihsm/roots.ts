// Trust for YubiHSM 2 factory attestation: the Yubico YubiHSM Root CA, pinned by SHA-256, and
// the fingerprints of Yubico's published sub-CAs, so a sub-CA the user supplies is recognised as
// Yubico's own copy (its signature under the root is checked as well).
//
// Sources: the root is Yubico's yubihsm2-attest-ca-crt.pem
// (https://developers.yubico.com/YubiHSM2/Concepts/yubihsm2-attest-ca-crt.pem); the PEM text
// here was taken from niklasgillstrom/gatekeeper's YubicoVerifierMutationTest, which quotes it
// with that URL, and its SHA-256 09:4A:3A:C4:…:2F:B7:24 matches the fingerprint stated
// independently by that project's verifier and by a Rust module's certificate README (both name
// the Yubico URL). The sub-CA E45DA5F361B091B30D8F2C6FA040DB6FEF57918E.pem ("Yubico YubiHSM
// 6742036 Sub-CA") could not be found as a file; only its published SHA-256 is pinned, so it must
// be supplied (--intermediate) to complete a chain.
import { createHash } from 'node:crypto';
import { parseCertificate } from '../x509-links';
import type { Certificate } from '../x509-links';
import { YUBIHSM_ROOT_PEM } from './yubico-root-pem';

export const YUBIHSM_ROOT_SHA256 =
  '094a3ac493c2bdcd65a54bdf40190f52bb03f7156397a3fc69d8aa9a392fb724';

/** Yubico's published YubiHSM 2 sub-CAs, by the SKI Yubico names each file after. */
export const YUBIHSM_SUBCA_SHA256: Record<string, string> = {
  E45DA5F361B091B30D8F2C6FA040DB6FEF57918E:
    'd7c6d8f45208e2a53996fb5a8f4d631b33ebabb64956b37b2ac151fbdbaf4ae9',
};

export const YUBICO_SUBCA_URL = 'https://developers.yubico.com/YubiHSM2/Concepts/';

let root: Certificate | null = null;

export function pinnedYubiHsmRoot(): Certificate {
  if (!root) {
    const cert = parseCertificate(YUBIHSM_ROOT_PEM);
    const sha = createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
    if (sha !== YUBIHSM_ROOT_SHA256)
      throw new Error(`the bundled Yubico root is not the pinned one (${sha})`);
    root = cert;
  }
  return root;
}
