// The one place shares are fed to shamir-secret-sharing's combine. The library insists on plain
// Uint8Arrays (a Buffer fails its constructor check), so shares are copied into arrays this
// module owns, and those copies are zeroed whatever happens.
import { combine } from 'shamir-secret-sharing';
import type { ShareEnvelope } from './types';

/** The secret the given (unprotected, already checked) shares interpolate to; caller zeroes it. */
export async function interpolate(envelopes: readonly ShareEnvelope[]): Promise<Uint8Array> {
  const copies = envelopes.map((e) => Uint8Array.from(e.share));
  try {
    return await combine(copies);
  } finally {
    for (const c of copies) c.fill(0);
  }
}

/** The Shamir x coordinate: shamir-secret-sharing stores it as the share's last byte. */
export function xCoordinate(envelope: ShareEnvelope): number {
  return envelope.share[envelope.share.length - 1] ?? 0;
}
