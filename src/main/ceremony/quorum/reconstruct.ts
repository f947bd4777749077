// The one place shares are fed to shamir-secret-sharing's combine. The library insists on plain
// Uint8Arrays (a Buffer fails its constructor check) and keeps no reference to them, so each
// share is lent as a copy owned by a Secret of its own, disposed whatever happens.
import { combine } from 'shamir-secret-sharing';
import { Secret } from '../../../shared/secret';
import type { ShareEnvelope } from './types';

/** The secret the given (unprotected, already checked) shares interpolate to; caller disposes it. */
export async function interpolate(envelopes: readonly ShareEnvelope[]): Promise<Secret> {
  const copies = envelopes.map((e) => Secret.adopt(e.share.copy()));
  try {
    const views = copies.map((c) => c.use((b) => b)); // lent for this call only
    return Secret.adopt(await combine(views));
  } finally {
    for (const c of copies) c.dispose();
  }
}

/** The Shamir x coordinate: shamir-secret-sharing stores it as the share's last byte. */
export function xCoordinate(envelope: ShareEnvelope): number {
  return envelope.share.use((b) => b[b.length - 1] ?? 0);
}
