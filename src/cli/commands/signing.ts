// `sign` and `verify` with an HSM key. Signature files hold the raw signature bytes as the
// token produced them (ECDSA: r‖s, IEEE P1363).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { SignAlgorithm } from '../../main/hsm/types';
import { EXIT, UsageError } from '../errors';
import { fields } from '../output';
import { failureFields, OPERATION_LEDGER_FLAGS, withOperationLedger } from '../operation-ledger';
import { optionalString, stringFlag } from '../spec';
import { labelOf, publicAddress } from '../transfer-ledger';
import type { CommandContext, CommandSpec, FlagSpec } from '../spec';

const ALGORITHMS: readonly SignAlgorithm[] = [
  'ecdsa-sha256',
  'ecdsa-sha384',
  'ecdsa-sha512',
  'eddsa',
  'rsa-pkcs1-sha256',
  'rsa-pkcs1-sha384',
  'rsa-pkcs1-sha512',
  'rsa-pss-sha256',
  'rsa-pss-sha384',
  'rsa-pss-sha512',
];

export const ALG_FLAG: FlagSpec = {
  type: 'string',
  value: 'ALG',
  help: `signature algorithm (default: the key type's usual one): ${ALGORITHMS.join(', ')}`,
};

export function algorithm(ctx: CommandContext): SignAlgorithm | undefined {
  const alg = optionalString(ctx, 'alg');
  if (alg === undefined) return undefined;
  const known = ALGORITHMS.find((a) => a === alg);
  if (!known)
    throw new UsageError(`Unknown --alg "${alg}"; choose one of ${ALGORITHMS.join(', ')}.`);
  return known;
}

/** Input files are bad input (exit 2), never an HSM error. */
async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (code ?? String(e));
    throw new UsageError(`Cannot read the ${what} ${path}: ${reason}.`);
  }
}

const refuseOverwrite = (path: string) =>
  new UsageError(
    `${path} already exists; sign never overwrites a signature file, so choose another --out.`,
  );

export const signCommand: CommandSpec = {
  words: ['sign'],
  usage: 'sign --key URI --in FILE --out SIG [--alg ALG] [--ledger FILE [--actor NAME]]',
  summary: 'signs FILE with an HSM key and writes the raw signature to SIG',
  details: [
    'The key URI needs pin-source=file:PATH or pin-source=env:NAME unless you type the PIN at a terminal.',
    'With --config, --key may be a bare label: the key of that label on the config token.',
    '--ledger records the signature (or the failure) as a signature.created (signature.failed) event.',
  ],
  flags: {
    key: {
      type: 'string',
      value: 'URI',
      help: 'PKCS#11 URI of the private key (a label with --config)',
      required: true,
    },
    in: { type: 'string', value: 'FILE', help: 'the data to sign', required: true },
    out: {
      type: 'string',
      value: 'SIG',
      help: 'where to write the signature (must not exist)',
      required: true,
    },
    alg: ALG_FLAG,
    ...OPERATION_LEDGER_FLAGS,
  },
  async run(ctx) {
    const key = stringFlag(ctx, 'key');
    const out = stringFlag(ctx, 'out');
    const alg = algorithm(ctx);
    // Checked before the HSM is touched, and again atomically when writing.
    if (existsSync(out)) throw refuseOverwrite(out);
    const data = await readInput(stringFlag(ctx, 'in'), 'input file');
    const dataSha256 = createHash('sha256').update(data).digest('hex');
    const subject = { label: labelOf(key), key: publicAddress(key), data_sha256: dataSha256 };
    const { r, signature } = await withOperationLedger(
      ctx,
      'sign',
      async () => {
        const r = await ctx.service.sign(key, data, alg);
        const signature = Buffer.from(r.signature, 'base64');
        try {
          await writeFile(out, signature, { flag: 'wx' });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw refuseOverwrite(out);
          throw new UsageError(
            `Cannot write the signature to ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`,
          );
        }
        return { r, signature };
      },
      {
        done: ({ r, signature }) => ({
          type: 'signature.created',
          data: {
            ...subject,
            algorithm: r.algorithm,
            mechanism: r.mechanism,
            hashed_in_software: r.hashedInSoftware,
            signature_sha256: createHash('sha256').update(signature).digest('hex'),
            signature_file: out,
            outcome: 'signed',
          },
        }),
        failed: (e) => ({ type: 'signature.failed', data: { ...subject, ...failureFields(e) } }),
      },
    );
    const doc = {
      key,
      in: stringFlag(ctx, 'in'),
      out,
      dataSha256,
      signatureBytes: signature.length,
      ...r,
    };
    ctx.out.result(doc, () =>
      [
        `Signed ${doc.in} (${data.length} bytes); signature written to ${out}.`,
        fields([
          [
            'Algorithm',
            `${r.algorithm} via ${r.mechanism}${r.hashedInSoftware ? ' (hashed in software)' : ''}`,
          ],
          ['Data SHA-256', doc.dataSha256],
          ['Signature', `${signature.length} bytes`],
          ...(r.member ? ([['Signed by member', r.member]] as [string, string][]) : []),
        ]),
      ].join('\n'),
    );
    return EXIT.OK;
  },
};

export const verifyCommand: CommandSpec = {
  words: ['verify'],
  usage: 'verify --key URI --in FILE --sig SIG [--alg ALG]',
  summary: 'checks a signature with an HSM key; exits 1 when it is not valid',
  flags: {
    key: {
      type: 'string',
      value: 'URI',
      help: 'PKCS#11 URI of the key (either half of the pair; a label with --config)',
      required: true,
    },
    in: { type: 'string', value: 'FILE', help: 'the signed data', required: true },
    sig: { type: 'string', value: 'SIG', help: 'the signature file', required: true },
    alg: ALG_FLAG,
  },
  async run(ctx) {
    const key = stringFlag(ctx, 'key');
    const alg = algorithm(ctx);
    const data = await readInput(stringFlag(ctx, 'in'), 'input file');
    const sig = await readInput(stringFlag(ctx, 'sig'), 'signature file');
    const { valid } = await ctx.service.verify(key, data, sig, alg);
    const doc = { valid, key, in: stringFlag(ctx, 'in'), sig: stringFlag(ctx, 'sig') };
    ctx.out.result(doc, () =>
      valid
        ? `Signature is valid: ${doc.sig} signs ${doc.in} under the key.`
        : `Signature is NOT valid: ${doc.sig} does not sign ${doc.in} under the key.`,
    );
    return valid ? EXIT.OK : EXIT.NOT_VALID;
  },
};
