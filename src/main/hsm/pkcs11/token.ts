// Finding the token a URI names, and describing tokens the way an officer reads them.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { MechanismInfo, TokenInfo } from '../types';
import { MECHANISM_FLAGS, P, TOKEN_FLAGS, flagNames, nameOf } from './constants';
import type { Handle, SlotEntry } from './protocol';

/** The token attributes of an RFC 7512 URI (all optional; all given must match). */
export interface TokenMatch {
  token?: string;
  serial?: string;
  manufacturer?: string;
  model?: string;
  slotId?: string;
  slotDescription?: string;
}

const trim = (s: unknown): string => (typeof s === 'string' ? s.replace(/[\s\0]+$/u, '') : '');
const version = (v: { major: number; minor: number } | undefined): string =>
  v ? `${v.major}.${v.minor}` : '';

/** CK_SLOT_ID as decimal text (a 64-bit little-endian handle). */
export function slotIdText(slot: Handle): string {
  return Buffer.from(slot.buffer, slot.byteOffset, slot.byteLength).readBigUInt64LE(0).toString();
}

export function describeToken(entry: SlotEntry): TokenInfo {
  const t = (entry.tokenInfo ?? {}) as Record<string, unknown>;
  const flags = typeof t.flags === 'number' ? t.flags : 0;
  // CK_UNAVAILABLE_INFORMATION and CK_EFFECTIVELY_INFINITE are not numbers an officer needs.
  const count = (x: unknown): number | null =>
    typeof x === 'number' && x > 0 && x < 2 ** 32 - 1 ? x : null;
  return {
    slotId: slotIdText(entry.slot),
    slotDescription: trim(entry.slotInfo.slotDescription),
    label: trim(t.label),
    manufacturer: trim(t.manufacturerID),
    model: trim(t.model),
    serial: trim(t.serialNumber),
    hardwareVersion: version(t.hardwareVersion as { major: number; minor: number } | undefined),
    firmwareVersion: version(t.firmwareVersion as { major: number; minor: number } | undefined),
    flags: flagNames(flags, TOKEN_FLAGS),
    initialized: (flags & P.CKF_TOKEN_INITIALIZED) !== 0,
    loginRequired: (flags & P.CKF_LOGIN_REQUIRED) !== 0,
    userPinLocked: (flags & P.CKF_USER_PIN_LOCKED) !== 0,
    soPinLocked: (flags & P.CKF_SO_PIN_LOCKED) !== 0,
    sessionCount: {
      open:
        typeof t.sessionCount === 'number' && t.sessionCount < 2 ** 32 - 1 ? t.sessionCount : null,
      max: count(t.maxSessionCount),
    },
  };
}

export function describeMechanisms(
  list: { type: number; minKeySize: number; maxKeySize: number; flags: number }[],
): MechanismInfo[] {
  return list.map((m) => ({
    type: m.type,
    name: nameOf('CKM_', m.type),
    minKeySize: m.minKeySize,
    maxKeySize: m.maxKeySize,
    flags: flagNames(m.flags, MECHANISM_FLAGS),
  }));
}

function matches(entry: SlotEntry, m: TokenMatch): boolean {
  if (!entry.tokenInfo) return false;
  const d = describeToken(entry);
  return (
    (m.token === undefined || d.label === m.token) &&
    (m.serial === undefined || d.serial === m.serial) &&
    (m.manufacturer === undefined || d.manufacturer === m.manufacturer) &&
    (m.model === undefined || d.model === m.model) &&
    (m.slotId === undefined || d.slotId === m.slotId) &&
    (m.slotDescription === undefined || d.slotDescription === m.slotDescription)
  );
}

export function describeMatch(m: TokenMatch): string {
  const parts = Object.entries(m)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} "${v}"`);
  return parts.length ? `the token with ${parts.join(', ')}` : 'the token';
}

/**
 * The one token the match names. Without any attribute, the module's only initialised token is
 * taken; two candidates are an error rather than a guess.
 */
export function pickToken(entries: SlotEntry[], m: TokenMatch, modulePath: string): SlotEntry {
  const given = Object.values(m).some((v) => v !== undefined);
  const candidates = entries.filter(
    (e) => matches(e, m) && (given || describeToken(e).initialized),
  );
  if (candidates.length === 1) return candidates[0]!;
  const present = entries
    .filter((e) => e.tokenInfo)
    .map(
      (e) =>
        `"${describeToken(e).label}" (serial ${describeToken(e).serial}, slot ${slotIdText(e.slot)})`,
    );
  if (candidates.length === 0) {
    throw new OlocusError(
      ErrorCode.TOKEN_NOT_FOUND,
      `${capital(describeMatch(m))} is not present in ${modulePath}. Tokens present: ${present.join(', ') || 'none'}.`,
    );
  }
  throw new OlocusError(
    ErrorCode.INVALID_INPUT,
    `More than one token matches in ${modulePath} (${present.join(', ')}); name one with token=… or serial=… in the URI.`,
  );
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
