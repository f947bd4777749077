// encrypt | decrypt (docs/lifecycle.md): with a key family's primary version, and back with the
// version the envelope names while it is still enabled.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { CipherAlgorithm } from '../../main/hsm/types';
import { parseEnvelope } from '../../main/lifecycle/index';
import { Secret } from '../../shared/secret';
import { EXIT, UsageError } from '../errors';
import type { CommandSpec } from '../spec';
import { optionalString, stringFlag } from '../spec';
import { INVENTORY, KEY } from './lifecycle-flags';

const CIPHERS: readonly CipherAlgorithm[] = ['aes-gcm', 'rsa-oaep-sha256', 'rsa-oaep-sha1'];

async function readIn(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new UsageError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
}

async function writeOut(path: string, data: Uint8Array | string): Promise<void> {
  if (existsSync(path)) throw new UsageError(`${path} already exists; choose another --out.`);
  await writeFile(path, data, { flag: 'wx', mode: 0o600 });
}

export const encryptCommand: CommandSpec = {
  words: ['encrypt'],
  usage:
    'encrypt --key URI --in FILE --out FILE [--alg aes-gcm|rsa-oaep-sha256|rsa-oaep-sha1] [--inventory FILE]',
  summary: "encrypts with a key family's primary version; the output names the version",
  flags: {
    key: KEY,
    in: { type: 'string', value: 'FILE', help: 'the plaintext', required: true },
    out: {
      type: 'string',
      value: 'FILE',
      help: 'the ciphertext envelope (JSON; must not exist)',
      required: true,
    },
    alg: {
      type: 'string',
      value: 'ALG',
      help: `one of ${CIPHERS.join(', ')} (default: aes-gcm or OAEP-SHA-256)`,
    },
    inventory: INVENTORY,
  },
  async run(ctx) {
    const alg = optionalString(ctx, 'alg');
    if (alg !== undefined && !CIPHERS.includes(alg as CipherAlgorithm))
      throw new UsageError(`Unknown --alg "${alg}"; choose one of ${CIPHERS.join(', ')}.`);
    const out = stringFlag(ctx, 'out');
    if (existsSync(out)) throw new UsageError(`${out} already exists; choose another --out.`);
    const inventory = optionalString(ctx, 'inventory');
    const e = await ctx.service.lifecycle.encrypt(
      stringFlag(ctx, 'key'),
      await readIn(stringFlag(ctx, 'in')),
      {
        ...(inventory ? { inventory } : {}),
        ...(alg ? { alg: alg as CipherAlgorithm } : {}),
      },
    );
    await writeOut(out, `${JSON.stringify(e, null, 2)}\n`);
    const { ciphertext: _c, ...doc } = e;
    ctx.out.result(
      { ...doc, out },
      () => `Encrypted with version ${e.version} ("${e.label}", ${e.alg}); written to ${out}.`,
    );
    return EXIT.OK;
  },
};

export const decryptCommand: CommandSpec = {
  words: ['decrypt'],
  usage: 'decrypt --key URI --in FILE --out FILE [--inventory FILE]',
  summary: 'decrypts an envelope with the version it names, if that version is still enabled',
  flags: {
    key: { ...KEY, help: 'PKCS#11 URI of the token (object=, if given, must be the family)' },
    in: { type: 'string', value: 'FILE', help: 'the ciphertext envelope', required: true },
    out: {
      type: 'string',
      value: 'FILE',
      help: 'where to write the plaintext (must not exist)',
      required: true,
    },
    inventory: INVENTORY,
  },
  async run(ctx) {
    const out = stringFlag(ctx, 'out');
    if (existsSync(out)) throw new UsageError(`${out} already exists; choose another --out.`);
    const file = stringFlag(ctx, 'in');
    const envelope = parseEnvelope(Buffer.from(await readIn(file)).toString('utf8'), file);
    const inventory = optionalString(ctx, 'inventory');
    const r = await ctx.service.lifecycle.decrypt(
      stringFlag(ctx, 'key'),
      envelope,
      inventory ? { inventory } : {},
    );
    // The plaintext may be key bytes: owned by a Secret from here, disposed even if writing fails.
    const plaintext = Secret.adopt(r.plaintext);
    const doc = {
      family: r.family,
      version: r.version,
      state: r.state,
      bytes: plaintext.length,
      out,
    };
    try {
      await plaintext.use((b) => writeOut(out, b));
    } finally {
      plaintext.dispose();
    }
    ctx.out.result(
      doc,
      () =>
        `Decrypted with version ${doc.version} of "${doc.family}" (${doc.state}); ${doc.bytes} bytes written to ${out}.`,
    );
    return EXIT.OK;
  },
};
