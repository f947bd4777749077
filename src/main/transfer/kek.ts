// A symmetric KEK on both tokens for kwp: typically the backup KEK rebuilt from custodian shares.
// It is imported as a session object on each side (gone when the sessions close) and the Secret
// is disposed here, whatever happens.
import type { TokenProvider } from '../hsm/provider';
import type { Secret } from '../../shared/secret';
import type { KeyInfo } from '../hsm/types';

export async function importSharedKek(
  source: TokenProvider,
  target: TokenProvider,
  value: Secret,
  options: { label: string; type?: 'aes-128' | 'aes-256' },
): Promise<{ source: KeyInfo; target: KeyInfo }> {
  const type = options.type ?? 'aes-256';
  // importSecretKey zeroes what it is given (at once, whatever happens): each side gets a copy.
  try {
    const s = await source.importSecretKey(type, value.copy(), {
      label: options.label,
      token: false,
      usage: ['wrap'],
    });
    try {
      const t = await target.importSecretKey(type, value.copy(), {
        label: options.label,
        token: false,
        usage: ['wrap'],
      });
      return { source: s, target: t };
    } catch (e) {
      await source.destroyKey({ label: options.label, class: 'secret' }).catch(() => 0);
      throw e;
    }
  } finally {
    value.dispose();
  }
}

/** Removes the KEK from both tokens once the migration is over. */
export async function dropSharedKek(
  source: TokenProvider,
  target: TokenProvider,
  label: string,
): Promise<void> {
  await Promise.all([
    source.destroyKey({ label, class: 'secret' }).catch(() => 0),
    target.destroyKey({ label, class: 'secret' }).catch(() => 0),
  ]);
}
