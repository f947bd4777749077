// A share as a custodian presents it in the room: typed text or a scanned QR payload, unlocked
// with their passphrase if the card is protected. The passphrase is asked for only then, so an
// unprotected card never prompts for one.
import { Secret } from '../../../shared/secret';
import { parseShareText } from './encoding';
import { invalidInput } from './errors';
import { unprotectEnvelope } from './passphrase';
import type { Passphrase } from './passphrase';
import type { ShareEnvelope } from './types';

export type PassphraseSource = Passphrase | (() => Promise<Passphrase>);

/**
 * Text or QR payload → an unprotected envelope the caller owns (and disposes). A Secret text and
 * a Secret passphrase are disposed here, once read: the caller's copy of the share ends now.
 */
export async function decodeShare(
  text: string | Secret,
  passphrase?: PassphraseSource,
): Promise<ShareEnvelope> {
  let envelope: ShareEnvelope;
  try {
    // The parser reads characters; the string lives only for this call (see README, Secrets).
    envelope = parseShareText(typeof text === 'string' ? text : text.unsafeText());
  } finally {
    if (text instanceof Secret) text.dispose();
  }
  if (!envelope.protected) return envelope;
  let given: Passphrase | undefined;
  try {
    if (passphrase === undefined) {
      throw invalidInput(
        `${envelope.custodian}'s share is protected by a passphrase; ${envelope.custodian} must enter it.`,
        envelope.custodian,
      );
    }
    given = typeof passphrase === 'function' ? await passphrase() : passphrase;
    return await unprotectEnvelope(envelope, given);
  } finally {
    envelope.share.dispose(); // the sealed form; the opened envelope has its own Secret
    if (given instanceof Secret) given.dispose();
  }
}
