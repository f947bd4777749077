// A share as a custodian presents it in the room: typed text or a scanned QR payload, unlocked
// with their passphrase if the card is protected. The passphrase is asked for only then, so an
// unprotected card never prompts for one.
import { parseShareText } from './encoding';
import { invalidInput } from './errors';
import { unprotectEnvelope } from './passphrase';
import type { Passphrase } from './passphrase';
import type { ShareEnvelope } from './types';

export type PassphraseSource = Passphrase | (() => Promise<Passphrase>);

/** Text or QR payload → an unprotected envelope the caller owns (and zeroes). */
export async function decodeShare(
  text: string,
  passphrase?: PassphraseSource,
): Promise<ShareEnvelope> {
  const envelope = parseShareText(text);
  if (!envelope.protected) return envelope;
  try {
    if (passphrase === undefined) {
      throw invalidInput(
        `${envelope.custodian}'s share is protected by a passphrase; ${envelope.custodian} must enter it.`,
        envelope.custodian,
      );
    }
    const given = typeof passphrase === 'function' ? await passphrase() : passphrase;
    return await unprotectEnvelope(envelope, given);
  } finally {
    envelope.share.fill(0); // the sealed form; the opened envelope has its own bytes
  }
}
