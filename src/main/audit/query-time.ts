// The times `audit query` takes: an RFC 3339 instant (or a bare date, meaning its midnight UTC)
// or a duration before now ("7d" ago). Parsed here once, for the CLI, the service and the
// timeline screen alike.
import { ErrorCode, OlocusError } from '../../shared/errors';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d{1,6})([smhdw])$/;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2}))?$/;

export const TIME_FORMS =
  'an RFC 3339 time (2026-03-01T09:00:00Z, 2026-03-01T10:00:00+01:00 or the date 2026-03-01) or a duration ago (90s, 30m, 12h, 7d, 2w)';

/** `text` as an instant; `flag` names it in the sentence when it is neither form. */
export function parseTimeBound(text: string, flag: string, now: Date): Date {
  const t = text.trim();
  const d = DURATION.exec(t);
  if (d) return new Date(now.getTime() - Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS]);
  const m = RFC3339.exec(t);
  if (m) {
    const [, y, mo, day, h = '00', mi = '00', s = '00'] = m;
    const ms = m[4] === undefined ? Date.UTC(+y!, +mo! - 1, +day!) : Date.parse(t.toUpperCase());
    // Date.UTC rolls 2026-02-30 over to March: a date that does not exist is refused instead.
    const check = new Date(Date.UTC(+y!, +mo! - 1, +day!, +h, +mi, +s));
    const fieldsExist =
      check.getUTCMonth() === +mo! - 1 &&
      check.getUTCDate() === +day! &&
      +h < 24 &&
      +mi < 60 &&
      +s < 60;
    if (fieldsExist && !Number.isNaN(ms)) return new Date(ms);
  }
  throw new OlocusError(ErrorCode.INVALID_INPUT, `${flag} "${text}" is not ${TIME_FORMS}.`);
}
