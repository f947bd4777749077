// Long operations (a ceremony, a rehearsal, the demo, a drill) run in the background: starting
// one answers at once with a run id, progress and the room's questions arrive as events, and
// runStatus reports the state and, once it ends, the result or the error. One run at a time:
// there is one room, one set of officers and one HSM session in front of them.
import { describeRetry, onHsmRetry } from '../hsm/pkcs11/retry';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { IpcError, ResultOf, RunKind } from '../../shared/contract';
import { ErrorCode, OlocusError } from '../../shared/errors';
import type { RoomEvent } from '../ceremony/run/room';
import { toIpcError } from './error-result';
import type { EmitEvent } from './emit-event';
import { LedgerTail } from '../audit/ledger-tail';
import { IpcRoom } from './run-room';
import type { Answer, IpcRoomOptions } from './run-room';
import { lpPrinter } from './card-handover';
import type { CardPrinter } from './card-handover';

/** Where a background run is (RunState is the run directory's state.json, ceremony/run/state.ts). */
type RunPhase = 'running' | 'finished' | 'failed' | 'cancelled';
type RunStatus = ResultOf<'runStatus'>;
/** What a run of each kind produces, as the contract describes it. */
export type RunResultOf<K extends RunKind> = NonNullable<Extract<RunStatus, { kind: K }>['result']>;

/** What a run's work function gets: the room to ask, and a sink for progress. */
export interface RunTools {
  room: IpcRoom;
  onEvent: (e: RoomEvent) => void;
}

interface Run {
  runId: string;
  kind: RunKind;
  state: RunPhase;
  room: IpcRoom;
  result?: unknown;
  error?: IpcError;
  cancelRequested: boolean;
  done: Promise<void>;
}

export interface RunManagerOptions extends IpcRoomOptions {
  /** How often the ledger file is read while a run works. */
  ledgerPollMs?: number;
  /** Finished runs kept for runStatus; the oldest are forgotten first. */
  keepFinished?: number;
  log?: (...args: unknown[]) => void;
  /** Where the print-and-destroy dialog sends a card: lp unless the shell hands its dialog. */
  printer?: CardPrinter;
}

export class RunManager {
  private readonly runs = new Map<string, Run>();
  /** Run directories this session started or listed: the only places openPath opens from. */
  private readonly dirs = new Set<string>();

  constructor(
    /** Public so other background work (batch signing) reports through the same front. */
    readonly emit: EmitEvent,
    private readonly options: RunManagerOptions = {},
  ) {}

  /**
   * Starts `work` as a run. `ledgerDir`, when given, is the run directory whose audit.jsonl is
   * followed for runLedgerAppended events (a drill writes no ledger records).
   */
  start<K extends RunKind>(
    kind: K,
    ledgerDir: string | null,
    work: (tools: RunTools) => Promise<RunResultOf<K>>,
  ): { runId: string } {
    const active = [...this.runs.values()].find((r) => r.state === 'running');
    if (active) {
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `A ${active.kind} is still running; let it finish or cancel it before starting another.`,
      );
    }
    const runId = randomUUID();
    if (ledgerDir) this.rememberDir(ledgerDir);
    const room = new IpcRoom(runId, this.emit, this.options);
    const tail = ledgerDir
      ? new LedgerTail(
          join(resolve(ledgerDir), 'audit.jsonl'),
          (h) => this.emit('runLedgerAppended', { runId, ...h }),
          this.options.ledgerPollMs,
        )
      : null;
    const run: Run = {
      runId,
      kind,
      state: 'running',
      room,
      cancelRequested: false,
      done: Promise.resolve(),
    };
    this.runs.set(runId, run);
    tail?.start();
    let stopRetries: (() => void) | undefined;
    run.done = (async () => {
      try {
        // Deferred a macrotask, so the invoke reply carrying the run id is on its way to the
        // window before the run's first event (the wizard should still subscribe first).
        await new Promise((r) => setImmediate(r));
        // HSM retries and re-logins (connection.retry_attempts) show in the run's progress.
        stopRetries = onHsmRetry((e) =>
          room.announce({ stepId: null, kind: 'warning', message: describeRetry(e) }),
        );
        run.result = await work({ room, onEvent: (e) => room.announce(e) });
        run.state = 'finished';
      } catch (e) {
        run.error = toIpcError(e, this.options.log);
        run.state = run.cancelRequested ? 'cancelled' : 'failed';
      } finally {
        stopRetries?.();
        room.cancel(); // nothing may stay open once the engine has stopped asking
        await tail?.stop();
        this.emit('runFinished', { runId, state: run.state });
        this.forgetOld();
      }
    })();
    return { runId };
  }

  private get(runId: string): Run {
    const run = this.runs.get(runId);
    if (!run) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        'No such run in this session (it may have finished long ago or belong to an earlier start of the app).',
      );
    }
    return run;
  }

  status(runId: string): RunStatus {
    const run = this.get(runId);
    return {
      runId: run.runId,
      kind: run.kind,
      state: run.state,
      open: run.state === 'running' ? run.room.open() : [],
      ...(run.error ? { error: run.error } : {}),
      ...(run.result !== undefined ? { result: run.result } : {}),
    } as RunStatus;
  }

  /**
   * Cancels at the room: every open and later question is refused, so the engine stops the
   * next time it needs the officers (a step already talking to the HSM completes first).
   */
  cancel(runId: string): { cancelled: boolean; message: string } {
    const run = this.get(runId);
    if (run.state !== 'running') {
      return { cancelled: false, message: `The ${run.kind} has already ended (${run.state}).` };
    }
    if (run.kind === 'demo' || run.kind === 'rehearsal') {
      return {
        cancelled: false,
        message: `A ${run.kind} plays its officers itself and asks the room nothing, so it cannot be stopped midway; it resumes where it stopped if started again.`,
      };
    }
    run.cancelRequested = true;
    run.room.cancel();
    return {
      cancelled: true,
      message: `The ${run.kind} stops at its next question to the room; run it again on the same directory to resume.`,
    };
  }

  /** Routes an officer's answer to the run that asked. */
  answer(requestId: string, answer: Answer): { accepted: true } {
    for (const run of this.runs.values()) {
      if (run.state === 'running' && run.room.answer(requestId, answer)) return { accepted: true };
    }
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'That question is no longer open (it was answered, timed out, or its run ended).',
    );
  }

  /** Prints the card an open hand-over question is about (the print-and-destroy dialog). */
  async printCard(requestId: string): Promise<{ printed: string }> {
    for (const run of this.runs.values()) {
      if (run.state !== 'running') continue;
      const done = await run.room.printCard(requestId, this.options.printer ?? lpPrinter);
      if (done) return done;
    }
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'That card is no longer waiting to be printed (its question was answered, timed out, or its run ended).',
    );
  }

  /** Resolves when the run has ended and its last events are sent (tests and shutdown). */
  async settled(runId: string): Promise<void> {
    await this.get(runId).done;
  }

  /**
   * The window is going away: refuse every open and later question so no run waits for a room
   * that can no longer answer (runs keep their state on disk and resume when started again).
   */
  cancelAll(): void {
    for (const r of this.runs.values()) {
      if (r.state !== 'running') continue;
      r.cancelRequested = true;
      r.room.cancel();
    }
  }

  /** A run directory the officer was shown (recentRuns lists it), as absolute path. */
  rememberDir(dir: string): void {
    this.dirs.add(resolve(dir));
  }

  /** Every run directory started or listed in this session. */
  knownDirs(): string[] {
    return [...this.dirs];
  }

  private forgetOld(): void {
    const keep = this.options.keepFinished ?? 20;
    const ended = [...this.runs.values()].filter((r) => r.state !== 'running');
    for (const r of ended.slice(0, Math.max(0, ended.length - keep))) this.runs.delete(r.runId);
  }
}
