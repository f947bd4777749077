// One error type for the whole quorum layer, so the UI can say WHOSE share is the problem
// without parsing messages. Messages name custodians, ceremonies and positions, never share or
// secret bytes: a share is secret material even when it is the wrong one.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { OlocusErrorData } from '../../../shared/errors';

export class QuorumError extends OlocusError {
  /** The custodian whose share (or passphrase) is at fault; undefined for set-level problems. */
  readonly custodian: string | undefined;

  /** Code defaults to INVALID_INPUT (108): most quorum failures are a wrong share presented. */
  constructor(
    custodian: string | undefined,
    message: string,
    options?: { code?: ErrorCode; cause?: unknown },
  ) {
    super(options?.code ?? ErrorCode.INVALID_INPUT, message, { cause: options?.cause });
    this.name = 'QuorumError';
    this.custodian = custodian;
  }

  override toJSON(): OlocusErrorData & { custodian?: string } {
    return {
      ...super.toJSON(),
      ...(this.custodian === undefined ? {} : { custodian: this.custodian }),
    };
  }
}

export function invalidInput(message: string, custodian?: string): QuorumError {
  return new QuorumError(custodian, message);
}

export function isQuorumError(e: unknown): e is QuorumError {
  return e instanceof QuorumError;
}
