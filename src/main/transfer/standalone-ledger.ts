// The ledger of a transfer run outside a ceremony (`migrate`, `gcp import`, `byok export|import`,
// `azure migrate` with --ledger FILE). It is the ceremony's format, written by the same Ledger
// class, so verify-audit checks it the same way. There is no HSM audit key at hand, so a new file
// declares in record 0 that it has none (`audit_key: null`, `head_signatures: "none"`): no head of
// it is ever signed, only its hash chain and a head kept elsewhere vouch for it, and the commands
// tell the operator so.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../shared/errors';
import { HEAD_SIGNATURES_NONE, Ledger, verifyLedger } from '../audit/index';
import { TransferLog } from './events';
import type { TransferAudit } from './types';

export interface TransferLedgerSummary {
  path: string;
  /** True when this run created the file (else it appended to an existing ledger). */
  created: boolean;
  /** Events this run appended. */
  appended: number;
  /** Records in the file after this run, and the hash of the last one. */
  records: number;
  head: string;
  /** Always false: nothing signs the head of a ledger written outside a ceremony. */
  headSigned: false;
}

/** What a refusal event names when the transfer failed before writing one itself. */
export interface TransferSubject {
  label: string;
  source: string;
  target: string;
}

export class TransferLedger {
  private appended = 0;
  private outcomes = 0;

  private constructor(
    private readonly ledger: Ledger,
    private readonly actor: string,
    readonly created: boolean,
  ) {}

  /**
   * Opens `path` for appending: a new file gets its own first record; an existing one must
   * verify completely (a torn or edited ledger is refused, naming its first bad record, and
   * left as it is: resuming a crashed ceremony's ledger is the ceremony's business).
   */
  static async open(
    path: string,
    opts: {
      actor: string;
      command: string;
      clock?: () => Date;
      /** What record 0 says the ledger is for, and its id's prefix (default: key transfers). */
      purpose?: { text: string; idPrefix: string };
    },
  ): Promise<TransferLedger> {
    if (!existsSync(path)) {
      const now = (opts.clock ?? (() => new Date()))();
      const stamp = now
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const created = await Ledger.create(path, {
        ceremonyId: `${opts.purpose?.idPrefix ?? 'transfers'}-${stamp}-${randomBytes(3).toString('hex')}`,
        actor: opts.actor,
        signer: null,
        data: {
          purpose: opts.purpose?.text ?? 'key transfers outside a ceremony',
          command: opts.command,
          head_signatures: HEAD_SIGNATURES_NONE,
        },
        ...clockOf(opts),
      });
      return new TransferLedger(created, opts.actor, true);
    }
    const check = await verifyLedger(path);
    if (check.firstBad) {
      const b = check.firstBad;
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `Refusing to append to the ledger ${path}: it does not verify at record ${b.seq ?? '?'} (line ${b.line}, ${b.reason}): ${b.message} Nothing was written to it and no key was touched.`,
      );
    }
    const { ledger } = await Ledger.open(path, { actor: opts.actor, ...clockOf(opts) });
    return new TransferLedger(ledger, opts.actor, false);
  }

  /** The sink the transfer modules write to (TransferLog's `event` form). */
  readonly audit: TransferAudit = {
    event: async (type, data) => {
      await this.ledger.append({ actor: this.actor, step: null, type, data });
      this.appended++;
      if (type.startsWith('key.')) this.outcomes++;
    },
  };

  /**
   * A transfer that failed before it recorded an outcome (an unreadable PIN source, a missing
   * key, a refusal in the CLI's own checks) still leaves a refusal in the ledger: nothing was
   * wrapped by then.
   */
  async recordIfSilent(subject: TransferSubject, e: unknown): Promise<void> {
    if (this.outcomes > 0) return;
    await new TransferLog(this.audit).problem('refused', subject, e);
  }

  async close(): Promise<TransferLedgerSummary> {
    const summary: TransferLedgerSummary = {
      path: this.ledger.path,
      created: this.created,
      appended: this.appended,
      records: this.ledger.length,
      head: this.ledger.head,
      headSigned: false,
    };
    await this.ledger.close();
    return summary;
  }
}

function clockOf(opts: { clock?: () => Date }): { clock?: () => Date } {
  return opts.clock ? { clock: opts.clock } : {};
}
