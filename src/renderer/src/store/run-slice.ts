// A mirror of the run main is driving: its id and state, the questions open in the room, the
// cards issued, progress, the ledger as it grows, and the result. Main decides everything;
// these reducers only record what it said. No share text or passphrase ever enters here.
import type { StateCreator } from 'zustand/vanilla';
import type { EventOf, IpcError, OpenRequest, ResponseOf } from '../../../shared/olocus-api';
import type { LedgerRow } from '../api/client';

/** The window's view of a background run (RunState is the run directory's state.json, in main). */
export type RunPhase = 'idle' | 'starting' | 'running' | 'finished' | 'failed' | 'cancelled';
export type ShareAsk = Extract<OpenRequest, { ask: 'share' }>;
export type WitnessAsk = Extract<OpenRequest, { ask: 'witness' }>;
export type PassphraseAsk = Extract<OpenRequest, { ask: 'passphrase' }>;
export type CardAsk = Extract<OpenRequest, { ask: 'card' }>;
export type RunStatus = ResponseOf<'runStatus'>;
/** What a finished ceremony (or rehearsal or demo) reports; a drill's result is not shown here. */
export type RunResult = NonNullable<Extract<RunStatus, { kind: 'ceremony' }>['result']>;

export interface ProgressLine {
  stepId: string | null;
  kind: EventOf<'runProgress'>['kind'];
  message: string;
}

export interface IssuedCard {
  secretId: string;
  custodian: string;
  /** Relative to the run directory, as main reports it. */
  card: string;
}

export interface RunSlice {
  runId: string | null;
  runDir: string | null;
  runState: RunPhase;
  runError: IpcError | null;
  runResult: RunResult | null;
  progress: ProgressLine[];
  shareAsk: ShareAsk | null;
  witnessAsks: WitnessAsk[];
  passphraseAsk: PassphraseAsk | null;
  /** The print-and-destroy dialog's card, while the run waits for it. */
  cardAsk: CardAsk | null;
  cards: IssuedCard[];
  ledger: LedgerRow[];
  /** Events that arrived while a start was in flight, before its run id was known. */
  early: { name: string; payload: { runId: string } }[];

  beginStart: (dir: string) => void;
  started: (runId: string) => void;
  startFailed: (error: IpcError) => void;
  receive: <K extends RunEventName>(name: K, payload: EventOf<K>) => void;
  applyStatus: (status: RunStatus) => void;
  loadLedger: (rows: LedgerRow[]) => void;
  resetRun: () => void;
}

export type RunEventName =
  | 'runProgress'
  | 'runLedgerAppended'
  | 'runShareNeeded'
  | 'runWitnessNeeded'
  | 'runPassphraseNeeded'
  | 'runCardsIssued'
  | 'runRequestClosed'
  | 'runFinished'
  | 'runCardHandOver';

const MAX_PROGRESS = 500;

const initial = {
  runId: null,
  runDir: null,
  runState: 'idle' as RunPhase,
  runError: null,
  runResult: null,
  progress: [],
  shareAsk: null,
  witnessAsks: [],
  passphraseAsk: null,
  cardAsk: null,
  cards: [],
  ledger: [],
  early: [],
};

/** Main's ledger rows by seq, each once, in order (a poll and an event may report the same). */
export function mergeLedger(have: LedgerRow[], more: LedgerRow[]): LedgerRow[] {
  const bySeq = new Map(have.map((r) => [r.seq, r]));
  for (const r of more) bySeq.set(r.seq, { ...bySeq.get(r.seq), ...r });
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export const createRunSlice: StateCreator<RunSlice, [], [], RunSlice> = (set, get) => ({
  ...initial,

  beginStart: (dir) => set({ ...initial, runDir: dir, runState: 'starting' }),

  started: (runId) => {
    const early = get().early.filter((e) => e.payload.runId === runId);
    set({ runId, runState: 'running', early: [] });
    for (const e of early) get().receive(e.name as RunEventName, e.payload as never);
  },

  startFailed: (error) => set({ runState: 'failed', runError: error, early: [] }),

  receive: (name, payload) => {
    const s = get();
    if (s.runId === null) {
      if (s.runState === 'starting') set({ early: [...s.early, { name, payload }] });
      return;
    }
    if (payload.runId !== s.runId) return;
    switch (name) {
      case 'runProgress': {
        const p = payload as EventOf<'runProgress'>;
        const line = { stepId: p.stepId, kind: p.kind, message: p.message };
        set({ progress: [...s.progress, line].slice(-MAX_PROGRESS) });
        return;
      }
      case 'runLedgerAppended': {
        const { runId: _r, ...row } = payload as EventOf<'runLedgerAppended'>;
        set({ ledger: mergeLedger(s.ledger, [row]) });
        return;
      }
      case 'runShareNeeded': {
        const { runId: _r, ...rest } = payload as EventOf<'runShareNeeded'>;
        set({ shareAsk: { ask: 'share', ...rest } });
        return;
      }
      case 'runWitnessNeeded': {
        const { runId: _r, ...rest } = payload as EventOf<'runWitnessNeeded'>;
        set({ witnessAsks: [...s.witnessAsks, { ask: 'witness', ...rest }] });
        return;
      }
      case 'runPassphraseNeeded': {
        const { runId: _r, ...rest } = payload as EventOf<'runPassphraseNeeded'>;
        set({ passphraseAsk: { ask: 'passphrase', ...rest } });
        return;
      }
      case 'runCardHandOver': {
        const { runId: _r, ...rest } = payload as EventOf<'runCardHandOver'>;
        set({ cardAsk: { ask: 'card', ...rest } });
        return;
      }
      case 'runCardsIssued': {
        const p = payload as EventOf<'runCardsIssued'>;
        const known = new Set(s.cards.map((c) => `${c.secretId}\u0000${c.custodian}`));
        const fresh = p.cards.filter((c) => !known.has(`${c.secretId}\u0000${c.custodian}`));
        set({ cards: [...s.cards, ...fresh] });
        return;
      }
      case 'runRequestClosed': {
        const { requestId } = payload as EventOf<'runRequestClosed'>;
        set({
          shareAsk: s.shareAsk?.requestId === requestId ? null : s.shareAsk,
          passphraseAsk: s.passphraseAsk?.requestId === requestId ? null : s.passphraseAsk,
          cardAsk: s.cardAsk?.requestId === requestId ? null : s.cardAsk,
          witnessAsks: s.witnessAsks.filter((w) => w.requestId !== requestId),
        });
        return;
      }
      case 'runFinished': {
        const { state } = payload as EventOf<'runFinished'>;
        set({
          runState: state,
          shareAsk: null,
          passphraseAsk: null,
          cardAsk: null,
          witnessAsks: [],
        });
        return;
      }
    }
  },

  applyStatus: (status) => {
    const result = status.kind !== 'drill' ? (status.result ?? null) : null;
    const shareAsk = status.open.find((o): o is ShareAsk => o.ask === 'share') ?? null;
    const passphraseAsk =
      status.open.find((o): o is PassphraseAsk => o.ask === 'passphrase') ?? null;
    set({
      runId: status.runId,
      runState: status.state,
      runError: status.error ?? null,
      runResult: result,
      runDir: result?.dir ?? get().runDir,
      shareAsk,
      passphraseAsk,
      cardAsk: status.open.find((o): o is CardAsk => o.ask === 'card') ?? null,
      witnessAsks: status.open.filter((o): o is WitnessAsk => o.ask === 'witness'),
    });
  },

  loadLedger: (rows) => set({ ledger: mergeLedger(get().ledger, rows) }),

  resetRun: () => set({ ...initial }),
});
