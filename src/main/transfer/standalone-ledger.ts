// The ledger of a transfer run outside a ceremony (`migrate`, `gcp import`, `byok export|import`,
// `azure migrate` with --ledger FILE). It is the ceremony's format, written by the same Ledger
// class, so verify-audit checks it the same way. There is no HSM audit key at hand, so a new file
// declares in record 0 that it has none (`audit_key: null`, `head_signatures: "none"`): no head of
// it is ever signed, only its hash chain and a head kept elsewhere vouch for it, and the commands
// tell the operator so.
import { StandaloneLedger } from '../audit/standalone-ledger';
import type { StandaloneLedgerSummary } from '../audit/standalone-ledger';
import { TransferLog } from './events';
import type { TransferAudit } from './types';

export interface TransferLedgerSummary extends StandaloneLedgerSummary {
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
  private outcomes = 0;

  private constructor(private readonly file: StandaloneLedger) {}

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
    return new TransferLedger(
      await StandaloneLedger.open(path, {
        ...opts,
        purpose: opts.purpose ?? {
          text: 'key transfers outside a ceremony',
          idPrefix: 'transfers',
        },
      }),
    );
  }

  /** True when this run created the file (else it appended to an existing ledger). */
  get created(): boolean {
    return this.file.created;
  }

  /** The sink the transfer modules write to (TransferLog's `event` form). */
  readonly audit: TransferAudit = {
    event: async (type, data) => {
      await this.file.append(type, data);
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
    return { ...(await this.file.close()), headSigned: false };
  }
}
