// Everything one run holds while it works: the script, the run directory and its state, the
// HSM, the ledger, and the room. Steps use it; it knows nothing of any one step.
import type { LedgerEventType } from '../../audit/events';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RUN_DIR_MODE } from './run-dir';
import type { Ledger } from '../../audit/index';
import type { AuditSigner } from '../../audit/index';
import { toPgpWords } from '../../audit/pgp-words';
import type { TokenOpener } from '../../hsm/open-token';
import type { TokenProvider } from '../../hsm/provider';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { Secret } from '../../../shared/secret';
import type { CeremonyScript, Step } from '../script/schema';
import { writeOnce } from '../../audit/durable';
import { collectQuorum } from './quorum-session';
import type { CeremonyRoom } from './room';
import type { RunState, StepState } from './state';
import { saveState } from './state';

export const TOKEN_PINS = 'token-pins';

export interface HsmTarget {
  modulePath: string;
  initArgs?: string;
  tokenLabel: string;
  /** The token's serial, when the config names one: the run opens only that token. */
  serial?: string;
  /** The slot token.initialize uses when its step names none (the config's slot_id). */
  slotId?: string;
  /** How this run opens its tokens (the service's choice; PKCS#11 directly by default). */
  open: TokenOpener;
}

export class RunContext {
  ledger: Ledger | null = null;
  private token: TokenProvider | null = null;
  private loggedIn = false;

  constructor(
    readonly script: CeremonyScript,
    readonly dir: string,
    readonly state: RunState,
    readonly room: CeremonyRoom,
    readonly hsm: HsmTarget,
    readonly now: () => Date = () => new Date(),
  ) {}

  get actor(): string {
    return this.script.roles.administrator;
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  async save(): Promise<void> {
    await saveState(this.dir, this.state);
  }

  async output(rel: string, data: string | Uint8Array, mode = 0o644): Promise<string> {
    // Folders the run makes are as private as the run directory (RUN_DIR_MODE).
    await mkdir(dirname(this.path(rel)), { recursive: true, mode: RUN_DIR_MODE });
    await writeOnce(this.path(rel), data, mode);
    return rel;
  }

  /** The ceremony token (opened on first use; the token must exist). */
  async provider(): Promise<TokenProvider> {
    this.token ??= await this.hsm.open({
      modulePath: this.hsm.modulePath,
      ...(this.hsm.initArgs !== undefined ? { initArgs: this.hsm.initArgs } : {}),
      token: {
        token: this.hsm.tokenLabel,
        ...(this.hsm.serial !== undefined ? { serial: this.hsm.serial } : {}),
      },
    });
    return this.token;
  }

  /** A provider on the module without a token: for initialising one. */
  async moduleProvider(): Promise<TokenProvider> {
    return this.hsm.open({
      modulePath: this.hsm.modulePath,
      ...(this.hsm.initArgs !== undefined ? { initArgs: this.hsm.initArgs } : {}),
    });
  }

  get isLoggedIn(): boolean {
    return this.loggedIn;
  }

  markLoggedIn(): void {
    this.loggedIn = true;
  }

  /** Logs out: the next step that needs the token asks the officers for their shares again. */
  async logout(): Promise<void> {
    if (this.token && this.loggedIn) await this.token.logout();
    this.loggedIn = false;
  }

  /** Logs in with the user PIN reconstructed from M officers' shares, once per process. */
  async ensureQuorum(step: Step): Promise<void> {
    if (this.loggedIn) return;
    const record = this.state.secrets[TOKEN_PINS];
    if (!record)
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        `Step "${step.id}" needs the token's user PIN, but this run never split one (no token.initialize step).`,
      );
    const { secret, custodians } = await collectQuorum(this.room, this.quorumLog(step.id), {
      ceremonyId: this.script.ceremony.id,
      secretId: TOKEN_PINS,
      purpose: 'logging in to the ceremony token',
      record,
    });
    let pins: ReturnType<typeof splitTokenPins>;
    try {
      pins = secret.use(splitTokenPins);
    } catch (e) {
      secret.dispose();
      throw e;
    }
    try {
      // login zeroes what it is given: it gets a copy, and the Secrets are disposed below.
      await (await this.provider()).login(pins.userPin.copy());
      this.loggedIn = true;
      await this.event(step.id, 'quorum.met', {
        split: TOKEN_PINS,
        custodians,
        threshold: record.threshold,
      });
    } finally {
      pins.soPin.dispose();
      pins.userPin.dispose();
      secret.dispose();
    }
  }

  quorumLog(stepId: string) {
    return {
      accepted: async (custodian: string, commitment: string) => {
        this.room.announce({
          stepId,
          kind: 'progress',
          message: `Share of ${custodian} accepted.`,
        });
        await this.event(stepId, 'share.accepted', { custodian, commitment });
      },
      refused: async (custodian: string | null, reason: string) => {
        this.room.announce({ stepId, kind: 'refused', message: reason });
        await this.event(stepId, 'share.refused', { custodian, reason });
      },
    };
  }

  /** Appends to the ledger (durable before it returns); before the ledger exists, nothing. */
  async event(
    step: string | null,
    type: LedgerEventType,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    if (this.ledger) await this.ledger.append({ actor: this.actor, step, type, data });
  }

  auditSigner(spki: Uint8Array, label: string): AuditSigner {
    return {
      algorithm: 'ecdsa-p256-sha256',
      publicKeySpki: spki,
      sign: async (data) =>
        (await (await this.provider()).sign({ label, class: 'private' }, data, 'ecdsa-sha256'))
          .signature,
    };
  }

  async witness(step: Step, st: StepState, statement: string): Promise<void> {
    if (step.witness === 'none' && step.type !== 'witness.checkpoint') return;
    const signed = await this.room.witness({
      stepId: step.id,
      title: step.title ?? step.id,
      statement,
      witnesses: this.script.roles.witnesses,
    });
    if (!signed) {
      if (step.witness === 'optional') return;
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `Step "${step.id}" needs a witness's sign-off and none was given; the step is not complete.`,
      );
    }
    const known = this.script.roles.witnesses.find(
      (w) => w.toLowerCase() === signed.name.trim().toLowerCase(),
    );
    if (!known) {
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `"${signed.name}" is not a witness of this ceremony (${this.script.roles.witnesses.join(', ')}).`,
      );
    }
    st.witness = { name: known, at: this.now().toISOString() };
    await this.event(step.id, 'witness.signed', { witness: known, statement });
  }

  async close(): Promise<void> {
    await this.ledger?.close();
    if (this.token) {
      if (this.loggedIn) await this.token.logout().catch(() => undefined);
      await this.token.close();
    }
    this.token = null;
    this.loggedIn = false;
  }
}

/**
 * The token secret is the SO PIN and the user PIN, 16 random bytes each, used as lower-case hex
 * text. The text is built byte by byte so that no immutable string copy of a PIN is made; each
 * PIN is a Secret the caller disposes (both, even the one it does not use).
 */
export function splitTokenPins(secret: Uint8Array): { soPin: Secret; userPin: Secret } {
  if (secret.length !== 32)
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'The reconstructed token secret has the wrong length.',
    );
  return {
    soPin: Secret.adopt(asciiHex(secret.subarray(0, 16))),
    userPin: Secret.adopt(asciiHex(secret.subarray(16))),
  };
}

const HEX = new TextEncoder().encode('0123456789abcdef');

function asciiHex(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  bytes.forEach((b, i) => {
    out[2 * i] = HEX[b >> 4]!;
    out[2 * i + 1] = HEX[b & 15]!;
  });
  return out;
}

export function fingerprint(spkiSha256: string): { hex: string; words: string } {
  return { hex: spkiSha256, words: toPgpWords(spkiSha256).join(' ') };
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
