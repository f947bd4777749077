// What an error looks like once it crosses IPC: `{ code, message, ckr? }` and nothing else.
// OlocusErrors carry a sentence written for the officer and pass as they are; anything else
// is a bug or a library failure whose text was written for no one (and might quote input), so
// the officer gets a fixed sentence and the log gets the detail.
import type { z } from 'zod';
import { ErrorCode, isOlocusError } from '../../shared/errors';
import type { IpcError } from '../../shared/contract';

const MAX_MESSAGE = 2000;

export function toIpcError(
  e: unknown,
  log: (...args: unknown[]) => void = console.error,
): IpcError {
  if (isOlocusError(e)) {
    return {
      code: e.code,
      message: e.message.slice(0, MAX_MESSAGE),
      ...(e.ckr ? { ckr: e.ckr } : {}),
    };
  }
  log('olocus ipc: unexpected failure', e);
  return {
    code: ErrorCode.OPERATION_FAILED,
    message: 'The operation failed unexpectedly; the application log has the details.',
  };
}

/**
 * The validation answer: where and what, never the offending value (it may be a share someone
 * pasted into the wrong box). Zod's own messages name types and limits, not input.
 */
export function validationError(issues: readonly z.core.$ZodIssue[] | string): IpcError {
  const detail =
    typeof issues === 'string'
      ? issues
      : issues
          .slice(0, 5)
          .map((i) => {
            const where = i.path.map((p) => (typeof p === 'symbol' ? '?' : String(p))).join('.');
            return `${where ? `${where.slice(0, 64)}: ` : ''}${i.message}`;
          })
          .join('; ');
  return {
    code: ErrorCode.INVALID_INPUT,
    message: `The request was refused: ${detail.slice(0, 500)}.`,
  };
}

export function senderRefused(reason: string): IpcError {
  return {
    code: ErrorCode.POLICY_VIOLATION,
    message: `The request was refused: ${reason}.`,
  };
}
