// `tokens`: what modules and tokens this machine offers.
import type { MechanismInfo, TokenInfo } from '../../main/hsm/types';
import type { TokensResult } from '../../main/service/index';
import { table } from '../output';
import { optionalString } from '../spec';
import type { CommandSpec } from '../spec';

function tokenRows(tokens: TokenInfo[]): string[][] {
  return tokens.map((t) => [
    t.slotId,
    t.label || '(not initialised)',
    t.manufacturer,
    t.model,
    t.serial,
    t.firmwareVersion,
    t.flags.join(', '),
  ]);
}

function mechanismRows(list: MechanismInfo[]): string[][] {
  return list.map((m) => [
    m.name,
    m.minKeySize || m.maxKeySize ? `${m.minKeySize}–${m.maxKeySize}` : '',
    m.flags.join(', '),
  ]);
}

export function formatTokens(r: TokensResult): string {
  const parts: string[] = [];
  for (const { module: m, tokens } of r.modules) {
    const name = m.name ? `${m.name}: ` : '';
    const vendor = m.vendor ? ` [vendor profile ${m.vendor}]` : '';
    parts.push(
      `Module ${name}${m.manufacturer} ${m.description} ${m.libraryVersion} (Cryptoki ${m.cryptokiVersion}), ${m.path}${vendor}`,
    );
    if (tokens.length === 0) {
      parts.push('  no tokens', '');
      continue;
    }
    const headers = ['SLOT', 'LABEL', 'MANUFACTURER', 'MODEL', 'SERIAL', 'FIRMWARE', 'FLAGS'];
    parts.push(table(headers, tokenRows(tokens)), '');
    for (const t of tokens) {
      if (!t.mechanisms) continue;
      parts.push(`Mechanisms of token "${t.label}" (${t.mechanisms.length}):`);
      parts.push(table(['MECHANISM', 'KEY SIZES', 'FLAGS'], mechanismRows(t.mechanisms)), '');
    }
  }
  if (r.modules.length === 0) parts.push('No PKCS#11 module could be loaded.');
  return parts.join('\n').trimEnd();
}

export const tokensCommand: CommandSpec = {
  words: ['tokens'],
  usage: 'tokens [--hsm URI] [--mechanisms]',
  summary: 'slots and tokens: label, manufacturer, model, serial, firmware, flags, mechanisms',
  details: [
    'Without module-path in the URI (or without --hsm), every module registered with p11-kit is listed.',
    'Token attributes in the URI (token=, serial=, …) narrow the list.',
  ],
  flags: {
    hsm: {
      type: 'string',
      value: 'URI',
      help: 'PKCS#11 URI of the module or token (default: the --config token, else pkcs11:)',
    },
    mechanisms: { type: 'boolean', help: 'also list each token’s mechanisms' },
  },
  async run(ctx) {
    const r = await ctx.service.tokens(optionalString(ctx, 'hsm'), {
      mechanisms: ctx.values.mechanisms === true,
    });
    for (const u of r.unavailable) {
      ctx.out.warn(
        `module ${u.name ?? u.path} (${u.path}) could not be loaded: ${u.error.message}`,
      );
    }
    ctx.out.result(r, () => formatTokens(r));
    return 0;
  },
};
