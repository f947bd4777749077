// Durations in hsm-config.yaml: a number and a unit, `500ms`, `30s`, `5m`, `2h`, `90d`.
//
// A bare number (`timeout: 30`, or the string "30") is rejected, not read as seconds: the seed
// mixes `500ms` and `30s` in one file, so a unitless value is a guess either way, and a timeout
// that is 1000 times too short or too long surfaces in the middle of a ceremony, not here.
// Decimals are accepted when they come out as whole milliseconds (`1.5s`, not `0.5ms`).

import { ErrorCode, OlocusError } from '../../shared/errors';
import { kindOf } from './util';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

/** Largest first, so the formatter picks the shortest spelling. */
const UNITS_DESC: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

const UNIT_LIST = 'ms, s, m, h or d';
const SHAPE = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/;

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

function isUnit(u: string): u is Unit {
  return Object.hasOwn(UNIT_MS, u);
}

/** Parses without throwing; `message` is a sentence that quotes the input (durations are never secret). */
export function tryParseDuration(input: unknown): DurationResult {
  if (typeof input === 'number') {
    return { ok: false, message: `${input} has no unit; write ${input}s (seconds) or ${input}ms` };
  }
  if (typeof input !== 'string') {
    return { ok: false, message: `expected a duration such as 30s, got ${kindOf(input)}` };
  }
  const text = input.trim();
  if (text === '')
    return { ok: false, message: 'empty duration; write a number and a unit, e.g. 30s' };
  if (text.startsWith('-'))
    return { ok: false, message: `"${text}" is negative; durations must be positive` };

  const m = SHAPE.exec(text);
  if (!m) {
    return {
      ok: false,
      message: `"${text}" is not a duration; write one number and a unit (${UNIT_LIST}), e.g. 30s`,
    };
  }
  const [, num = '', unit = ''] = m;
  if (unit === '') {
    return { ok: false, message: `"${text}" has no unit; write ${num}s (seconds) or ${num}ms` };
  }
  if (!isUnit(unit)) {
    return { ok: false, message: `"${text}" has an unknown unit "${unit}"; use ${UNIT_LIST}` };
  }
  const ms = Number(num) * UNIT_MS[unit];
  // Rounding guards against 0.1 * 1000 style float noise; the check below still rejects 0.5ms.
  const rounded = Math.round(ms);
  if (Math.abs(ms - rounded) > 1e-6) {
    return { ok: false, message: `"${text}" is not a whole number of milliseconds` };
  }
  if (!Number.isSafeInteger(rounded)) return { ok: false, message: `"${text}" is too large` };
  return { ok: true, ms: rounded };
}

/** Milliseconds, or an INVALID_INPUT OlocusError. */
export function parseDuration(input: string): number {
  const r = tryParseDuration(input);
  if (!r.ok) throw new OlocusError(ErrorCode.INVALID_INPUT, `Invalid duration: ${r.message}.`);
  return r.ms;
}

/** The shortest exact spelling: 300000 → "5m", 1500 → "1500ms", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(
      `formatDuration: ${ms} is not a non-negative whole number of milliseconds`,
    );
  }
  if (ms === 0) return '0s';
  for (const unit of UNITS_DESC) {
    const size = UNIT_MS[unit];
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
