// `migrate --from URI --to URI [--wrap rsa-aes-kwp|kwp]`: one key between two PKCS#11 tokens, or
// from a PKCS#11 token into Azure Key Vault (BYOK) or Cloud HSM (import job).
import { fields } from '../output';
import type { CommandSpec } from '../spec';
import { listFlag, optionalString, stringFlag } from '../spec';
import { UsageError } from '../errors';
import { parseKeyAddress } from '../../main/hsm/key-address';
import { azureMigrate } from './azure';
import { importKey as gcpImport } from './gcp';
import { LEDGER_FLAGS, labelOf, publicAddress, withTransferLedger } from '../transfer-ledger';

const AZURE_ONLY = ['kek-name'];
const GCP_ONLY = ['import-method', 'import-job', 'endpoint'];

/** The cloud a --to address names, or null for a PKCS#11 token. */
function cloudTarget(to: string): 'azurekv' | 'gcpkms' | null {
  if (!/^(azurekv|gcpkms):\/\//.test(to)) return null;
  const scheme = parseKeyAddress(to).scheme;
  return scheme === 'azurekv' || scheme === 'gcpkms' ? scheme : null;
}

export const migrateCommand: CommandSpec = {
  words: ['migrate'],
  usage:
    'migrate --from URI --to URI [--wrap rsa-aes-kwp|kwp] [--kek-label L] [--destroy-source --approved-by NAME…] [--ledger FILE [--actor NAME]]',
  summary: 'wrapped export/import of one key between providers, verified after import',
  details: [
    '--from names the key (object=…); --to names the target token (object=… renames the copy).',
    'The copy is proven (same public key and a signature, or the same KCV) before anything else;',
    'the source is destroyed only with --destroy-source and the officers who approved it.',
    'A cloud --to runs the same path as azure migrate (azurekv://VAULT-HOST/keys/NAME, by BYOK) or',
    'gcp import (gcpkms://…/cryptoKeys/K, by an import job); the source then always stays.',
    '--ledger appends key.migrated (or the refusal) to a hash-chained ledger; no HSM key signs its head.',
  ],
  flags: {
    from: {
      type: 'string',
      value: 'URI',
      help: 'the key to move (pkcs11: URI with pin-source)',
      required: true,
    },
    to: {
      type: 'string',
      value: 'URI',
      help: 'the target token (pkcs11: URI with pin-source)',
      required: true,
    },
    wrap: {
      type: 'string',
      value: 'METHOD',
      help: 'rsa-aes-kwp (default) or kwp (KEK on both tokens)',
    },
    'kek-label': {
      type: 'string',
      value: 'L',
      help: 'the KEK present on both tokens, for --wrap kwp',
    },
    'destroy-source': { type: 'boolean', help: 'destroy the source key once the copy is proven' },
    'approved-by': {
      type: 'string',
      value: 'NAME',
      help: 'an officer who approved destroying the source',
      multiple: true,
    },
    'kek-name': { type: 'string', value: 'NAME', help: 'azurekv: the BYOK KEK to use or create' },
    'import-method': { type: 'string', value: 'METHOD', help: 'gcpkms: the import job method' },
    'import-job': { type: 'string', value: 'NAME', help: 'gcpkms: the import job id' },
    endpoint: { type: 'string', value: 'HOST:PORT', help: 'gcpkms: a Cloud KMS endpoint' },
    ...LEDGER_FLAGS,
  },
  async run(ctx) {
    const cloud = cloudTarget(stringFlag(ctx, 'to'));
    if (cloud) {
      if (ctx.values['destroy-source'] === true)
        throw new UsageError(
          'A key moved into a cloud HSM keeps its source; --destroy-source is for PKCS#11 targets.',
        );
      const wrap = optionalString(ctx, 'wrap');
      if (wrap !== undefined && wrap !== 'rsa-aes-kwp')
        throw new UsageError(`A ${cloud} target takes only --wrap rsa-aes-kwp.`);
      const foreign = (cloud === 'azurekv' ? GCP_ONLY : AZURE_ONLY).filter(
        (f) => ctx.values[f] !== undefined,
      );
      if (foreign.length > 0)
        throw new UsageError(`--${foreign[0]} does not apply to a ${cloud} target.`);
      return (cloud === 'azurekv' ? azureMigrate : gcpImport).run(ctx);
    }
    const stray = [...GCP_ONLY, ...AZURE_ONLY].find((f) => ctx.values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} is for cloud targets only.`);
    const wrap = optionalString(ctx, 'wrap');
    if (wrap !== undefined && wrap !== 'rsa-aes-kwp' && wrap !== 'kwp')
      throw new UsageError('--wrap is rsa-aes-kwp or kwp.');
    const approvers = listFlag(ctx, 'approved-by');
    if (ctx.values['destroy-source'] === true && approvers.length === 0) {
      throw new UsageError(
        '--destroy-source needs --approved-by for each officer who approved it.',
      );
    }
    const kek = optionalString(ctx, 'kek-label');
    const from = stringFlag(ctx, 'from');
    const to = stringFlag(ctx, 'to');
    const subject = {
      label: labelOf(from),
      source: publicAddress(from),
      target: publicAddress(to),
    };
    const { result: r, ledger } = await withTransferLedger(ctx, 'migrate', subject, (audit) =>
      ctx.service.migrate(from, to, {
        ...(wrap ? { wrap } : {}),
        ...(kek ? { kekLabel: kek } : {}),
        ...(ctx.values['destroy-source'] === true ? { destroySource: approvers } : {}),
        ...(audit ? { audit } : {}),
      }),
    );
    ctx.out.result(ledger ? { ...r, ledger } : r, () =>
      fields([
        ['Key', `${r.label} (${r.type}, ${r.class})`],
        [
          'Wrap',
          `${r.wrap}: ${r.mechanisms.join(' + ')}${r.oaepHash ? `, OAEP ${r.oaepHash}` : ''}`,
        ],
        ['Source', `${r.source.uri} ${r.source.spkiSha256 ?? r.source.kcv ?? ''}`],
        ['Target', `${r.target.uri} ${r.target.spkiSha256 ?? r.target.kcv ?? ''}`],
        ['Proof', JSON.stringify(r.proof)],
        [
          'Source destroyed',
          r.sourceDestroyed ? `yes, approved by ${r.sourceDestroyed.approvedBy.join(', ')}` : 'no',
        ],
      ]),
    );
    return 0;
  },
};
