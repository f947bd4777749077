// `keys list` and `keys generate`.
import type { KeyInfo } from '../../main/hsm/types';
import type { GeneratedKey, KeysResult } from '../../main/service/index';
import { fields, shorten, table } from '../output';
import { failureFields, OPERATION_LEDGER_FLAGS, withOperationLedger } from '../operation-ledger';
import { publicAddress } from '../transfer-ledger';
import { optionalString, stringFlag } from '../spec';
import type { CommandSpec } from '../spec';
import { KEY_TYPES } from '../../main/hsm/types';

/** The provenance attributes that hold, in the words an auditor uses. */
export function provenance(k: KeyInfo): string {
  const p = k.provenance;
  const words: string[] = [];
  if (p.local) words.push('local');
  if (p.sensitive) words.push('sensitive');
  if (p.alwaysSensitive) words.push('always-sensitive');
  if (p.neverExtractable) words.push('never-extractable');
  // Drawn attention to: an extractable key can leave the HSM.
  if (p.extractable) words.push('EXTRACTABLE');
  return words.join(' ') || '-';
}

function fingerprint(k: KeyInfo): string {
  if (k.spkiSha256) return shorten(k.spkiSha256);
  if (k.kcv) return `KCV ${k.kcv}`;
  return '-';
}

export function formatKeys(r: KeysResult): string {
  const head = `Token "${r.token.label}" (serial ${r.token.serial}, ${r.token.model})`;
  if (r.keys.length === 0) return `${head}: no keys.`;
  const rows = r.keys.map((k) => [
    k.label,
    k.class,
    String(k.type),
    shorten(k.id, 12),
    fingerprint(k),
    provenance(k),
  ]);
  const headers = ['LABEL', 'CLASS', 'TYPE', 'ID', 'SPKI SHA-256 / KCV', 'PROVENANCE'];
  return `${head}, ${r.keys.length} key object${r.keys.length === 1 ? '' : 's'}:\n${table(headers, rows)}`;
}

export const keysListCommand: CommandSpec = {
  words: ['keys', 'list'],
  usage: 'keys list --hsm URI',
  summary: 'keys with label, id, class, type, size/curve, SPKI SHA-256, provenance attributes',
  details: [
    'Logs in when the URI has pin-source=file:PATH or pin-source=env:NAME; otherwise the token',
    'shows only its public objects. object=, id= and type= in the URI narrow the list.',
    'Without --hsm, the token and PIN source of the --config file (hsm.pkcs11) are used.',
    '--ledger records the new key (or the failure) as a key.generated (key.generation_failed) event.',
  ],
  flags: {
    hsm: {
      type: 'string',
      value: 'URI',
      help: 'PKCS#11 URI of the token (default: the --config token)',
    },
  },
  async run(ctx) {
    const r = await ctx.service.listKeys(optionalString(ctx, 'hsm'));
    if (!r.loggedIn) {
      ctx.out.note(
        'Not logged in: private objects are hidden (add pin-source= to the URI to see them).',
      );
    }
    ctx.out.result(r, () => formatKeys(r));
    return 0;
  },
};

export function formatGenerated(g: GeneratedKey): string {
  const k = g.key;
  const fp: [string, string] =
    g.fingerprint?.kind === 'kcv'
      ? ['KCV', g.fingerprint.value]
      : ['SPKI SHA-256', g.fingerprint?.value ?? '-'];
  return [
    `Generated ${k.type} key "${k.label}".`,
    fields([['URI', g.uri], fp, ['ID', k.id], ['Provenance', provenance(k)]]),
  ].join('\n');
}

export const keysGenerateCommand: CommandSpec = {
  words: ['keys', 'generate'],
  usage:
    'keys generate --hsm URI --type T --label L [--extractable] [--ledger FILE [--actor NAME]]',
  summary: "generates a key on the token; prints the new key's URI and fingerprint",
  details: [
    `T is one of ${KEY_TYPES.join(', ')}.`,
    'Keys are never replaced: an existing label is refused.',
    'Without --hsm, the token and PIN source of the --config file (hsm.pkcs11) are used.',
    '--ledger records the new key (or the failure) as a key.generated (key.generation_failed) event.',
  ],
  flags: {
    hsm: {
      type: 'string',
      value: 'URI',
      help: 'PKCS#11 URI of the token, with pin-source (default: the --config token)',
    },
    type: { type: 'string', value: 'T', help: 'key type', required: true },
    label: { type: 'string', value: 'L', help: 'label of the new key (CKA_LABEL)', required: true },
    extractable: { type: 'boolean', help: 'allow the key to be wrapped and exported later' },
    ...OPERATION_LEDGER_FLAGS,
    usage: {
      type: 'string',
      value: 'U,…',
      help: 'what the key is for: sign, encrypt, wrap, comma-separated (default: sign; AES: encrypt,wrap)',
    },
  },
  async run(ctx) {
    const hsm = optionalString(ctx, 'hsm');
    const extractable = ctx.values.extractable === true;
    const usage = optionalString(ctx, 'usage');
    const subject = {
      label: stringFlag(ctx, 'label'),
      type: stringFlag(ctx, 'type'),
      token: hsm ? publicAddress(hsm) : 'the --config token',
      extractable,
    };
    const g = await withOperationLedger(
      ctx,
      'keys generate',
      () =>
        ctx.service.generateKey(hsm, subject.type, subject.label, {
          extractable,
          ...(usage !== undefined ? { usage: usage.split(',').map((u) => u.trim()) } : {}),
        }),
      {
        done: (g) => ({
          type: 'key.generated',
          data: {
            ...subject,
            uri: publicAddress(g.uri),
            id: g.key.id,
            class: g.key.class,
            spki_sha256: g.key.spkiSha256,
            kcv: g.key.kcv,
            provenance: { ...g.key.provenance },
            outcome: 'generated',
          },
        }),
        failed: (e) => ({
          type: 'key.generation_failed',
          data: { ...subject, ...failureFields(e) },
        }),
      },
    );
    ctx.out.result(g, () => formatGenerated(g));
    return 0;
  },
};
