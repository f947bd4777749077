// A ledger written outside a ceremony (transfers, key lifecycle changes, sign-batch with
// --ledger FILE). It is the ceremony's format, written by the same Ledger class, so verify-audit
// checks it the same way. No HSM audit key is at hand, so a new file declares in record 0 that it
// has none (`head_signatures: "none"`): only its hash chain and a head kept elsewhere vouch for
// it. An existing file must verify completely before anything is appended: a torn or edited
// ledger is refused, naming its first bad record, and left as it is.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { LedgerEventType } from './events';
import { Ledger } from './ledger';
import { HEAD_SIGNATURES_NONE } from './types';
import { verifyLedger } from './verify';

export interface StandaloneLedgerSummary {
  path: string;
  /** True when this run created the file (else it appended to an existing ledger). */
  created: boolean;
  /** Events this run appended. */
  appended: number;
  /** Records in the file after this run, and the hash of the last one. */
  records: number;
  head: string;
}

export interface StandaloneLedgerOptions {
  actor: string;
  command: string;
  clock?: () => Date;
  /** What record 0 says the ledger is for, and its id's prefix (`PREFIX-STAMP-RANDOM`). */
  purpose: { text: string; idPrefix: string };
}

export class StandaloneLedger {
  private count = 0;

  private constructor(
    private readonly ledger: Ledger,
    private readonly actor: string,
    readonly created: boolean,
  ) {}

  /** Opens `path` (created if absent); an existing ledger must verify, or nothing is touched. */
  static async open(path: string, opts: StandaloneLedgerOptions): Promise<StandaloneLedger> {
    const clock = opts.clock ? { clock: opts.clock } : {};
    if (!existsSync(path)) {
      const stamp = (opts.clock ?? (() => new Date()))()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const created = await Ledger.create(path, {
        ceremonyId: `${opts.purpose.idPrefix}-${stamp}-${randomBytes(3).toString('hex')}`,
        actor: opts.actor,
        signer: null,
        data: {
          purpose: opts.purpose.text,
          command: opts.command,
          head_signatures: HEAD_SIGNATURES_NONE,
        },
        ...clock,
      });
      return new StandaloneLedger(created, opts.actor, true);
    }
    const check = await verifyLedger(path);
    if (check.firstBad) {
      const b = check.firstBad;
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `Refusing to append to the ledger ${path}: it does not verify at record ${b.seq ?? '?'} (line ${b.line}, ${b.reason}): ${b.message} Nothing was written to it and no key was touched.`,
      );
    }
    const { ledger } = await Ledger.open(path, { actor: opts.actor, ...clock });
    return new StandaloneLedger(ledger, opts.actor, false);
  }

  /** Events appended since it was opened. */
  get appended(): number {
    return this.count;
  }

  async append(type: LedgerEventType, data: Record<string, unknown>): Promise<void> {
    await this.ledger.append({ actor: this.actor, step: null, type, data });
    this.count++;
  }

  async close(): Promise<StandaloneLedgerSummary> {
    const summary = {
      path: this.ledger.path,
      created: this.created,
      appended: this.count,
      records: this.ledger.length,
      head: this.ledger.head,
    };
    await this.ledger.close();
    return summary;
  }
}
