// The active health probe of one token. With a probe key (monitoring.probe_key): a round trip
// through the token's crypto, sign then verify of fresh random data, as the YubiHSM and NetHSM
// exporters and Vault's seal check do; a key that answers but signs wrongly is caught too.
// Without one: the token's own checks (C_GetTokenInfo, the token still in its slot, a session
// that answers). Never a ceremony key: only the label the operator configured is used.
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError, isOlocusError } from '../../shared/errors';
import type { TokenProvider } from '../hsm/provider';

export interface ProbeResult {
  ok: boolean;
  seconds: number;
  /** Why it failed, one sentence with code and CKR name. */
  detail?: string;
  error?: OlocusError;
}

const missingProbeKey = (label: string, token: string, cause?: unknown) =>
  new OlocusError(
    ErrorCode.KEY_NOT_FOUND,
    `The probe key "${label}" (hsm.monitoring.probe_key) is not on token "${token}"; create a signing key with that label for the monitor, or remove the setting to probe with token checks only.`,
    { ...(isOlocusError(cause) && cause.ckr ? { ckr: cause.ckr } : {}), cause },
  );

/** Refuses to start a monitor whose probe key is not there (one sentence naming it). */
export async function checkProbeKey(
  provider: TokenProvider,
  token: string,
  label: string,
): Promise<void> {
  let found;
  try {
    found = await provider.listKeys({ label, class: 'private' });
  } catch (e) {
    throw isOlocusError(e) && e.code === ErrorCode.KEY_NOT_FOUND
      ? missingProbeKey(label, token, e)
      : e;
  }
  if (found.length === 0) throw missingProbeKey(label, token);
}

export async function probeToken(
  provider: TokenProvider,
  token: string,
  probeKey?: string,
): Promise<ProbeResult> {
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  try {
    if (probeKey !== undefined) {
      const data = randomBytes(32);
      let signed;
      try {
        signed = await provider.sign({ label: probeKey, class: 'private' }, data);
      } catch (e) {
        throw isOlocusError(e) && e.code === ErrorCode.KEY_NOT_FOUND
          ? missingProbeKey(probeKey, token, e)
          : e;
      }
      const valid = await provider.verify(
        { label: probeKey, class: 'public' },
        data,
        signed.signature,
        signed.algorithm,
      );
      if (!valid) {
        throw new OlocusError(
          ErrorCode.OPERATION_FAILED,
          `Token "${token}" signed with the probe key "${probeKey}" but the signature does not verify.`,
        );
      }
    } else {
      const h = await provider.health();
      if (!h.ok) return { ok: false, seconds: seconds(), detail: h.detail };
    }
    return { ok: true, seconds: seconds() };
  } catch (e) {
    const err = isOlocusError(e)
      ? e
      : new OlocusError(
          ErrorCode.OPERATION_FAILED,
          `The probe of token "${token}" failed: ${e instanceof Error ? e.message : String(e)}`,
        );
    return { ok: false, seconds: seconds(), detail: err.describe(), error: err };
  }
}
