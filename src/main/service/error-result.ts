// What an error looks like once it leaves the service as a contract result (runStatus, IPC,
// the bridge): `{ code, message, ckr? }` and nothing else. OlocusErrors carry a sentence written
// for the officer and pass as they are; anything else is a bug or a library failure whose text
// was written for no one (and might quote input), so the officer gets a fixed sentence and the
// log gets the detail.
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
