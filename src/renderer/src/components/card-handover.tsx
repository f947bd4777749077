// The print-and-destroy dialog: at the end of a run whose script does not keep its cards, each
// card still in the run directory is printed (main hands it to the print dialog or printer; the
// window never holds its bytes), its custodian types their name to confirm they hold it, and
// main then overwrites and deletes the file and records its digest. "Keep the file" leaves it
// on disk, and the run stops naming it rather than finishing.
import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../api/client';
import { ErrorNote, Note, useCall } from './common';
import { groupHex } from '../logic/text';
import { useApp } from '../store';
import type { CardAsk } from '../store/run-slice';

export function CardHandOverDialog() {
  const ask = useApp((s) => s.cardAsk);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (ask && !d.open) d.showModal();
    if (!ask && d.open) d.close();
  }, [ask]);
  return (
    <dialog
      ref={ref}
      className="card-dialog"
      aria-labelledby="card-dialog-title"
      // Escape must not dismiss it: the run waits for an answer (keep or confirm).
      onCancel={(e) => e.preventDefault()}
    >
      {ask ? <CardHandOver key={ask.requestId} ask={ask} /> : null}
    </dialog>
  );
}

function CardHandOver({ ask }: { ask: CardAsk }) {
  const nameId = useId();
  const [printed, setPrinted] = useState<string | null>(ask.printed);
  const [name, setName] = useState('');
  const print = useCall((requestId: string) => api().printCard({ requestId }));
  const answer = useCall((receivedBy: string | null) =>
    api().confirmCardReceipt({ requestId: ask.requestId, receivedBy }),
  );
  const busy = print.busy || answer.busy;
  return (
    <div className="card-handover">
      <h2 id="card-dialog-title">
        Hand over {ask.custodian}'s share card ({ask.index} of {ask.total})
      </h2>
      <p>
        The script does not keep share cards, so each one is printed, handed to its custodian and
        then destroyed: its file is overwritten and deleted, and the ledger keeps only its digest.
      </p>
      <dl className="facts">
        <dt>Card</dt>
        <dd>
          <code>{ask.card}</code>
        </dd>
        <dt>SHA-256</dt>
        <dd>
          <code className="fp-hex">{groupHex(ask.sha256)}</code>
        </dd>
      </dl>
      {printed ? (
        <Note tone="ok" live>
          Printed: {printed}. Hand the card to {ask.custodian} in a sealed envelope.
        </Note>
      ) : (
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            const r = await print.run(ask.requestId);
            if (r) setPrinted(r.printed);
          }}
        >
          Print {ask.custodian}'s card
        </button>
      )}
      <ErrorNote error={print.error} title="Not printed" />
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          await answer.run(name);
        }}
      >
        <label htmlFor={nameId}>
          {ask.custodian} types their name to confirm they hold the printed card
        </label>
        <input
          id={nameId}
          autoComplete="off"
          value={name}
          disabled={!printed || busy}
          onChange={(e) => setName(e.target.value)}
        />
        <div className="actions">
          <button type="submit" disabled={!printed || busy || name.trim() === ''}>
            Confirm receipt and destroy the file
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void answer.run(null)}
          >
            Keep the file (the run stops)
          </button>
        </div>
      </form>
      <ErrorNote error={answer.error} title="Receipt not accepted" />
    </div>
  );
}
