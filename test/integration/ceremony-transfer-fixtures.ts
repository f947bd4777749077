// What the transfer-step tests share: target tokens made before the first provider opens, a
// script with a transfer to one of them, a room that can "lose power" at a chosen message, and
// ways to look at both tokens as their officers would.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { combineShares, decodeShare } from '../../src/main/ceremony/quorum/index';
import { ScriptedRoom } from '../../src/main/ceremony/rooms/scripted-room';
import { splitTokenPins } from '../../src/main/ceremony/run/context';
import type { IssuedShare, RoomEvent } from '../../src/main/ceremony/run/room';
import { loadState } from '../../src/main/ceremony/run/state';
import { parseScript } from '../../src/main/ceremony/script/load';
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { verifyWithSpki } from '../../src/main/hsm/software-verify';
import { createToken, pin, SOFTHSM_MODULE, useSoftHsm } from '../helpers/softhsm';
import type { TestToken } from '../helpers/softhsm';

export interface Options {
  /** The target token's name in TARGETS (and the ceremony's suffix). */
  name: string;
  backup?: boolean;
  keyType?: string;
  move?: string;
  /** Extra steps between key generation and the transfer. */
  before?: string;
  pinSource?: string;
}

export type Rec = { type: string; step: string | null; data: Record<string, unknown> };

/**
 * One target token per name, made now: SoftHSM reads its store at C_Initialize, so call this at
 * the top of a test file, before any provider opens.
 */
export function transferFixtures(names: string[]) {
  useSoftHsm();
  const targets: Record<string, TestToken> = {};
  names.forEach((n, i) => {
    targets[n] = createToken(`xfer-dst-${n}`, `2468${String(i).padStart(2, '0')}`);
  });
  const work = mkdtempSync(join(tmpdir(), 'olocus-xfer-'));
  const opened: Pkcs11Provider[] = [];
  afterAll(async () => {
    for (const p of opened) await p.close();
  });

  function scriptFor(o: Options): { text: string; script: ReturnType<typeof parseScript> } {
    const t = targets[o.name]!;
    const source = o.pinSource ?? `env:XFER_PIN_${o.name.toUpperCase()}`;
    process.env[`XFER_PIN_${o.name.toUpperCase()}`] = t.userPin;
    const text = `version: 1
ceremony: { id: xfer-${o.name}, name: Transfer ${o.name}, location: Lab }
hsm: { uri: 'pkcs11:token=xfer-src-${o.name}?module-path=${SOFTHSM_MODULE}' }
targets:
  dr:
    uri: 'pkcs11:token=${t.label}?module-path=${SOFTHSM_MODULE}&pin-source=${source}'
roles:
  administrator: Ada Administrator
  officers: [Alice Archer, Bob Baker, Carol Chen]
  witnesses: [Walter Witness]
quorum: { threshold: 2 }
steps:
  - { id: init, type: token.initialize }
  - { id: gen, type: key.generate, key: { label: signer, type: ${o.keyType ?? 'ec-p256'} }, policy: { backup: ${o.backup ?? true} } }
${o.before ?? ''}  - id: move
    type: transfer
    key: signer
    to: dr
${o.move ?? '    wrap: rsa-aes-kwp\n'}    witness: required
`;
    return { text, script: parseScript(text) };
  }

  async function openToken(label: string, userPin: Uint8Array): Promise<Pkcs11Provider> {
    const p = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: label } });
    opened.push(p);
    await p.login(userPin);
    return p;
  }

  const openTarget = (name: string) => openToken(targets[name]!.label, pin(targets[name]!.userPin));

  /** The ceremony token opened as the officers would: their kept shares give the user PIN. */
  async function openCeremonyToken(dir: string, kept: IssuedShare[]): Promise<Pkcs11Provider> {
    const state = (await loadState(dir))!;
    const shares = kept.filter((s) => s.secretId === 'token-pins').slice(0, 2);
    const secret = await combineShares(await Promise.all(shares.map((s) => decodeShare(s.text))), {
      secretCommitment: state.secrets['token-pins']!.secretCommitment,
    });
    try {
      return openToken(state.token!.label, secret.use(splitTokenPins).userPin.copy());
    } finally {
      secret.dispose();
    }
  }

  return { targets, work, scriptFor, openTarget, openCeremonyToken };
}

export const ledgerOf = (dir: string): Rec[] =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);

export const privateKeys = async (p: Pkcs11Provider, label = 'signer') =>
  (await p.listKeys({ label })).filter((k) => k.class === 'private');

/** Signs on the target; the source's public key, as the run wrote it, must verify. */
export async function targetSignsForSource(dir: string, target: Pkcs11Provider): Promise<boolean> {
  const data = Buffer.from('signed by the copy on the target token');
  const sig = await target.sign({ label: 'signer', class: 'private' }, data);
  const spki = readFileSync(join(dir, 'public-keys', 'signer.spki.der'));
  return verifyWithSpki(spki, sig.algorithm, data, sig.signature);
}

/** Plays the officers and the witness; keeps the cards; may "lose power" at a chosen message. */
export class Room extends ScriptedRoom {
  kept: IssuedShare[] = [];
  constructor(
    private readonly failOn?: { message: RegExp; times: number },
    shares: IssuedShare[] = [],
  ) {
    super({ shares, keep: async (s) => void (this as Room).kept.push(...s) });
  }
  override announce(e: RoomEvent): void {
    super.announce(e);
    // A power cut at a chosen moment: the process stops exactly here.
    if (this.failOn && this.failOn.times > 0 && this.failOn.message.test(e.message)) {
      this.failOn.times--;
      throw new Error('power cut');
    }
  }
}
