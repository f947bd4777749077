// What the key-family commands (keys rotate … destroy, encrypt, decrypt) share: the --key and
// --inventory flags, the flags that record a change, the ledger note, and the test-only clock.
import { UsageError } from '../errors';
import type { CommandContext, FlagSpec } from '../spec';
import { optionalString } from '../spec';

/** The test-only fixed clock (docs/lifecycle.md): never set it in production. */
export const TEST_CLOCK_ENV = 'OLOCUS_TEST_NOW';

export function lifecycleClock(env: Readonly<Record<string, string | undefined>>): {
  now?: () => Date;
} {
  const fixed = env[TEST_CLOCK_ENV];
  if (!fixed) return {};
  const t = Date.parse(fixed);
  if (Number.isNaN(t))
    throw new UsageError(`${TEST_CLOCK_ENV} is set but is not a date-time ("${fixed}").`);
  return { now: () => new Date(t) };
}

export const KEY: FlagSpec = {
  type: 'string',
  value: 'URI',
  help: 'PKCS#11 URI whose object= is FAMILY, FAMILY@latest or FAMILY@N (a label with --config)',
  required: true,
};
export const INVENTORY: FlagSpec = {
  type: 'string',
  value: 'FILE',
  help: 'the signed key inventory (default: keys/<token serial>.json in the workspace)',
};
export const RECORDING: Record<string, FlagSpec> = {
  inventory: INVENTORY,
  ledger: {
    type: 'string',
    value: 'FILE',
    help: 'append the change to a hash-chained ledger (created if absent; an existing one must verify)',
  },
  actor: { type: 'string', value: 'NAME', help: 'who acted (default: the operating-system user)' },
  reason: { type: 'string', value: 'TEXT', help: 'why, recorded with the change' },
};

export function recording(ctx: CommandContext) {
  const o: { inventory?: string; ledger?: string; actor?: string } = {};
  for (const k of ['inventory', 'ledger', 'actor'] as const) {
    const v = optionalString(ctx, k);
    if (v !== undefined) o[k] = v;
  }
  return o;
}

export function tellLedger(
  ctx: CommandContext,
  l: { path: string; appended: number; head: string } | null,
) {
  if (l) ctx.out.note(`Ledger: ${l.appended} event(s) appended to ${l.path} (head ${l.head}).`);
  else
    ctx.out.note(
      'No ledger was written (give --ledger FILE); the signed inventory records the change.',
    );
}

export const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '-');

/** Refuses the PKCS#11-only flags (and `more`) for a cloud key, which keeps its own versions. */
export function pkcs11Only(ctx: CommandContext, cloud: string, more: string[] = []): void {
  for (const flag of ['if-due', 'ledger', 'inventory', ...more])
    if (ctx.values[flag] !== undefined)
      throw new UsageError(
        `--${flag} is for PKCS#11 key families; ${cloud} keeps its own versions.`,
      );
}
