// The transport's own refusals (a payload that does not fit, a sender not allowed), in the
// `{ code, message }` shape of every contract error; service/error-result.ts turns thrown errors
// into that shape.
import type { z } from 'zod';
import { ErrorCode } from '../../shared/errors';
import type { IpcError } from '../../shared/contract';

export { toIpcError } from '../service/error-result';

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
