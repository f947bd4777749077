// Key migration for the service: one key moved between PKCS#11 tokens by wrapped export/import,
// with the arguments checked before either token is opened.
import { ErrorCode, OlocusError } from '../../shared/errors';
import { keySelectorFromUri } from '../hsm/open';
import { migrateKey } from '../transfer/index';
import type { MigrationResult, TransferAudit } from '../transfer/index';
import { parsePkcs11Address } from './connections';
import type { Connections } from './connections';

const invalid = (message: string) => new OlocusError(ErrorCode.INVALID_INPUT, message);

export interface MigrateOptions {
  wrap?: 'rsa-aes-kwp' | 'kwp';
  kekLabel?: string;
  destroySource?: string[];
  /** Where the transfer's events go (a standalone ledger on the command line). */
  audit?: TransferAudit;
}

/** The source key is destroyed only when `destroySource` names who approved it. */
export async function migrate(
  connections: Connections,
  fromUri: string,
  toUri: string,
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  const from = parsePkcs11Address(fromUri);
  const to = parsePkcs11Address(toUri);
  const sel = keySelectorFromUri(from);
  if (sel.class === 'public')
    throw invalid('Only private and secret keys are migrated; the --from URI names a public key.');
  if (options.wrap === 'kwp' && !options.kekLabel)
    throw invalid('--wrap kwp needs --kek-label naming the KEK present on both tokens.');
  const source = (await connections.get(from, 'always')).provider;
  const target = (await connections.get(to, 'always')).provider;
  return migrateKey(source, target, sel, {
    ...(options.wrap ? { wrap: options.wrap } : {}),
    ...(options.kekLabel
      ? {
          kek: {
            source: { label: options.kekLabel, class: 'secret' },
            target: { label: options.kekLabel, class: 'secret' },
          },
        }
      : {}),
    ...(to.object ? { target: { label: to.object } } : {}),
    ...(options.destroySource ? { destroySource: { approvedBy: options.destroySource } } : {}),
    ...(options.audit ? { audit: options.audit } : {}),
  });
}
