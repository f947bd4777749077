// "Open" next to a card's or the report's path: main opens it in the desktop's viewer (only a
// run's own PDF or JSON file), and the answer is read out in a status region rather than an
// alert, since being told to open the file from its folder is advice, not a failure.
import { useState } from 'react';
import { api } from '../api/client';

export interface OpenOutcome {
  path: string;
  opened: boolean;
  message: string;
}

export function useOpenFile() {
  const [outcome, setOutcome] = useState<OpenOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const open = async (path: string) => {
    setBusy(true);
    try {
      const r = await api().openPath({ path });
      setOutcome(
        r.ok
          ? { path, opened: r.value.opened, message: r.value.message }
          : {
              path,
              opened: false,
              message: `Not opened (error ${r.error.code}): ${r.error.message}`,
            },
      );
    } finally {
      setBusy(false);
    }
  };
  return { outcome, busy, open };
}

/** Always in the page, so a screen reader announces each new answer when it arrives. */
export function OpenStatus({ outcome, label }: { outcome: OpenOutcome | null; label: string }) {
  return (
    <div
      role="status"
      aria-label={label}
      className={outcome ? `note ${outcome.opened ? 'note-ok' : 'note-warn'}` : undefined}
    >
      {outcome?.message}
    </div>
  );
}
