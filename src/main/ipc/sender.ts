// Who may call: only the main frame of our own window, showing a page of our own origin. An
// iframe, a page that navigated elsewhere, a destroyed frame or another webContents is refused
// before the payload is even looked at (VS Code's validated IPC, Electron's security guide §17).
import { isAllowedOrigin } from '../shell/origin';

/** The part of a WebFrameMain the check reads. */
export interface FrameLike {
  readonly url: string;
}

/** The part of an IpcMainInvokeEvent the check reads. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
  readonly sender: { readonly mainFrame: FrameLike };
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * @param isOurWindow whether the event's webContents is the window the shell created; without
 *   it, any webContents of ours showing our origin would do.
 */
export function checkSender(
  event: InvokeEventLike,
  isOurWindow: (sender: InvokeEventLike['sender']) => boolean = () => true,
): SenderVerdict {
  let frame: FrameLike | null;
  let mainFrame: FrameLike;
  try {
    // Reading these on a destroyed frame throws in Electron; that is a refusal, not a crash.
    frame = event.senderFrame;
    mainFrame = event.sender.mainFrame;
  } catch {
    return { ok: false, reason: 'the sending frame is gone' };
  }
  if (!frame) return { ok: false, reason: 'the sending frame is gone' };
  if (!isOurWindow(event.sender)) return { ok: false, reason: 'not the Olocus window' };
  if (frame !== mainFrame) return { ok: false, reason: 'not the main frame' };
  let url: string;
  try {
    url = frame.url;
  } catch {
    return { ok: false, reason: 'the sending frame is gone' };
  }
  if (!isAllowedOrigin(url)) return { ok: false, reason: 'not the Olocus origin' };
  return { ok: true };
}
