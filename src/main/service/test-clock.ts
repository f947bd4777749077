// The test-only fixed clock of key lifecycle decisions (docs/lifecycle.md): OLOCUS_TEST_NOW set
// to a date-time makes "now" that instant for the app and the bridge, as it does for the CLI.
// It exists for tests and drills; never set it in production.
import { ErrorCode, OlocusError } from '../../shared/errors';

export const TEST_CLOCK_ENV = 'OLOCUS_TEST_NOW';

/** `{ now }` for CeremonyServiceOptions when the variable is set, else nothing. */
export function testClock(env: Readonly<Record<string, string | undefined>> = process.env): {
  now?: () => Date;
} {
  const fixed = env[TEST_CLOCK_ENV];
  if (!fixed) return {};
  const t = Date.parse(fixed);
  if (Number.isNaN(t))
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `${TEST_CLOCK_ENV} is set but is not a date-time ("${fixed}").`,
    );
  return { now: () => new Date(t) };
}
