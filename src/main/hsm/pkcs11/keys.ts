// Finding key objects on a token and reading what they are.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { KeyClass, KeyInfo, KeySelector } from '../types';
import { P } from './constants';
import type { Pkcs11Executor } from './executor';
import { INVENTORY_ATTRIBUTES, describeKey, keyClassOf, specOf, spkiOf, toMap } from './inventory';
import type { RawAttributes } from './inventory';
import type { KeySpec } from './keytypes';
import type { Attr, Handle } from './protocol';

const CLASS: Record<KeyClass, number> = {
  private: P.CKO_PRIVATE_KEY,
  public: P.CKO_PUBLIC_KEY,
  secret: P.CKO_SECRET_KEY,
};

export function selectorTemplate(sel: KeySelector, cls?: KeyClass): Attr[] {
  const t: Attr[] = [];
  if (sel.label !== undefined) t.push({ type: P.CKA_LABEL, value: sel.label });
  if (sel.id !== undefined) t.push({ type: P.CKA_ID, value: sel.id });
  const c = sel.class ?? cls;
  if (c) t.push({ type: P.CKA_CLASS, value: CLASS[c] });
  return t;
}

export function describeSelector(sel: KeySelector): string {
  const parts: string[] = [];
  if (sel.label !== undefined) parts.push(`label "${sel.label}"`);
  if (sel.id !== undefined) parts.push(`id ${Buffer.from(sel.id).toString('hex')}`);
  return `${sel.class ? `${sel.class} key` : 'key'} with ${parts.join(' and ') || 'no label or id'}`;
}

export interface FoundKey {
  handle: Handle;
  attrs: RawAttributes;
  cls: KeyClass;
  spec: KeySpec | null;
}

export class KeyReader {
  constructor(
    private readonly ex: Pkcs11Executor,
    private readonly tokenName: string,
    private readonly tokenLabel: string,
  ) {}

  async find(session: Handle, template: Attr[], max = 10_000): Promise<Handle[]> {
    return this.ex.call<Handle[]>({ op: 'find', session, template, max });
  }

  async read(session: Handle, handle: Handle): Promise<FoundKey | null> {
    const values = await this.ex.call<(Uint8Array | null)[]>({
      op: 'getAttributes',
      session,
      handle,
      types: [...INVENTORY_ATTRIBUTES],
    });
    const attrs = toMap(values);
    const cls = keyClassOf(attrs);
    return cls ? { handle, attrs, cls, spec: specOf(attrs) } : null;
  }

  /**
   * The one key the selector names, trying the classes in order (e.g. private, then secret).
   * Two matches are an error: a ceremony must never act on a key it guessed.
   */
  async resolve(session: Handle, sel: KeySelector, classes: KeyClass[]): Promise<FoundKey> {
    if (sel.label === undefined && sel.id === undefined) {
      throw new OlocusError(
        ErrorCode.INVALID_INPUT,
        'Name the key by label (object=…) or id (id=…).',
      );
    }
    for (const cls of sel.class ? [sel.class] : classes) {
      const handles = await this.find(session, selectorTemplate(sel, cls), 2);
      if (handles.length > 1) {
        throw new OlocusError(
          ErrorCode.INVALID_INPUT,
          `More than one ${cls} key on ${this.tokenName} matches ${describeSelector(sel)}; add its id to choose one.`,
        );
      }
      if (handles.length === 1) {
        const found = await this.read(session, handles[0]!);
        if (found) return found;
      }
    }
    throw new OlocusError(
      ErrorCode.KEY_NOT_FOUND,
      `No ${classes.length === 1 ? `${classes[0]} ` : ''}key on ${this.tokenName} matches ${describeSelector({ ...sel, class: undefined })}.`,
    );
  }

  /** Private keys rarely carry their public point; the public half with the same CKA_ID does. */
  async pairedSpki(session: Handle, key: FoundKey): Promise<Buffer | null> {
    if (key.cls !== 'private') return null;
    const own = spkiOf(key.attrs, key.spec);
    if (own) return own;
    const id = key.attrs.get(P.CKA_ID);
    if (!id || id.length === 0) return null;
    const pubs = await this.find(
      session,
      [
        { type: P.CKA_CLASS, value: P.CKO_PUBLIC_KEY },
        { type: P.CKA_ID, value: id },
      ],
      2,
    );
    if (pubs.length !== 1) return null;
    const pub = await this.read(session, pubs[0]!);
    return pub ? spkiOf(pub.attrs, pub.spec) : null;
  }

  /** AES key check value: the first 3 bytes of AES-ECB over one zero block. */
  async kcv(session: Handle, key: FoundKey): Promise<string | null> {
    if (key.cls !== 'secret' || key.spec?.family !== 'aes') return null;
    try {
      const out = await this.ex.call<Uint8Array>({
        op: 'encrypt',
        session,
        mech: { mechanism: P.CKM_AES_ECB },
        key: key.handle,
        data: new Uint8Array(16),
        outLen: 16,
      });
      return Buffer.from(out.subarray(0, 3)).toString('hex');
    } catch {
      return null;
    }
  }

  async describe(session: Handle, key: FoundKey): Promise<KeyInfo> {
    const [pairedSpki, kcv] = await Promise.all([
      this.pairedSpki(session, key),
      this.kcv(session, key),
    ]);
    return describeKey(key.attrs, { tokenLabel: this.tokenLabel, pairedSpki, kcv, spec: key.spec });
  }
}
