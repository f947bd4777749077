// Flag specs and output steps that several cloud and attestation commands share word for word,
// so that --help says the same thing wherever the same flag appears.
import { formatVerdict, verdictExitCode } from '../../main/attestation/index';
import type { AttestationVerdict } from '../../main/attestation/index';
import { labelOf, publicAddress } from '../transfer-ledger';
import type { CommandContext, FlagSpec } from '../spec';

export const AZURE_CREDENTIALS =
  'Credentials: the Azure default chain (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, managed identity, `az login`, …); nothing is stored.';

/** The key a transfer moves out of its PKCS#11 token. */
export const PKCS11_SOURCE_KEY: FlagSpec = {
  type: 'string',
  value: 'URI',
  help: 'the private key (pkcs11: URI with pin-source)',
  required: true,
};

export const EXPECT_SPKI_SHA256: FlagSpec = {
  type: 'string',
  value: 'HEX',
  help: "the ceremony's fingerprint of the key",
};

/** What a transfer ledger records about a PKCS#11 key moved to `target`. */
export const transferSubject = (from: string, target: string) => ({
  label: labelOf(from),
  source: publicAddress(from),
  target,
});

/** Prints a verdict and answers the exit code: 1 unless every check passed. */
export function reportVerdict(ctx: CommandContext, v: AttestationVerdict): number {
  ctx.out.result(v, () => formatVerdict(v));
  return verdictExitCode(v);
}
