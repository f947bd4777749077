// Keys on the token: initialising it, generating, importing, listing and destroying keys,
// each checked after the module made it.
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type {
  KeyAttributeChange,
  KeyAttributeOutcome,
  KeyInfo,
  KeySelector,
  KeyType,
  TokenInfo,
} from '../types';
import { P } from './constants';
import { mapPkcs11Error } from './errors';
import type { FoundKey } from './keys';
import { describeSelector, selectorTemplate } from './keys';
import { spkiOf } from './inventory';
import { KEY_SPECS } from './keytypes';
import type { Handle } from './protocol';
import { ckDate, keyPairTemplates, publicKeyImportTemplate, secretKeyTemplate } from './templates';
import { Pkcs11CallError } from './executor';
import { describeToken } from './token';
import { IDEMPOTENT, capital } from './provider-core';
import { Pkcs11ProviderSupport } from './provider-support';
import type { Pkcs11GenerateOptions } from './provider-core';

export abstract class Pkcs11KeyStore extends Pkcs11ProviderSupport {
  /**
   * Initialises a new token with `label` and the SO PIN (zeroed here). It never touches an
   * initialised token: C_InitToken would erase every key on it. Without `slotId`, the first slot
   * holding an uninitialised token is used.
   */
  async initToken(
    soPin: Uint8Array,
    label: string,
    options: { slotId?: string } = {},
  ): Promise<TokenInfo> {
    const copy = new Uint8Array(soPin);
    soPin.fill(0); // deliberate: the provider owns PIN buffers it is given (see login)
    try {
      if (!label || Buffer.byteLength(label) > 32)
        throw new OlocusError(ErrorCode.INVALID_INPUT, 'A token label is 1 to 32 bytes long.');
      const entries = await this.slots();
      const described = entries.filter((e) => e.tokenInfo).map((e) => ({ e, d: describeToken(e) }));
      const clash = described.find(({ d }) => d.initialized && d.label === label);
      if (clash) {
        throw new OlocusError(
          ErrorCode.POLICY_VIOLATION,
          `A token labelled "${label}" already exists (serial ${clash.d.serial}); it will not be initialised again, which would erase its keys.`,
        );
      }
      const target = options.slotId
        ? described.find(({ d }) => d.slotId === options.slotId)
        : described.find(({ d }) => !d.initialized);
      if (!target) {
        throw new OlocusError(
          ErrorCode.TOKEN_NOT_FOUND,
          options.slotId
            ? `Slot ${options.slotId} holds no token.`
            : `No slot in ${this.mod.path} holds an uninitialised token.`,
        );
      }
      if (target.d.initialized) {
        throw new OlocusError(
          ErrorCode.POLICY_VIOLATION,
          `The token in slot ${target.d.slotId} ("${target.d.label}") is already initialised; initialising it again would erase its keys.`,
        );
      }
      try {
        await this.ex.call({ op: 'initToken', slot: target.e.slot, soPin: copy, label }, [
          copy.buffer,
        ]);
      } catch (e) {
        throw mapPkcs11Error(e, `the token in slot ${target.d.slotId}`, 'initialising the token');
      }
      this.bound = null;
      const after = (await this.slots()).filter((e) => e.tokenInfo).map(describeToken);
      const made = after.find((d) => d.initialized && d.label === label);
      if (!made)
        throw new OlocusError(
          ErrorCode.OPERATION_FAILED,
          `The module reported success but no token labelled "${label}" appeared.`,
        );
      return made;
    } finally {
      if (copy.byteLength > 0) copy.fill(0); // deliberate: a send that failed left it here
    }
  }
  /**
   * Imports secret key bytes (a backup KEK reconstructed from shares) as a protected key; a
   * session object unless `token` is set, so it vanishes with the session. Zeroes `value`.
   */
  async importSecretKey(
    type: 'aes-128' | 'aes-256',
    value: Uint8Array,
    options: Pkcs11GenerateOptions,
  ): Promise<KeyInfo> {
    const copy = new Uint8Array(value);
    value.fill(0); // deliberate: the provider owns key bytes it is given
    try {
      if (copy.length * 8 !== KEY_SPECS[type].bits)
        throw new OlocusError(
          ErrorCode.INVALID_INPUT,
          `A ${type} key is ${KEY_SPECS[type].bits / 8} bytes, not ${copy.length}.`,
        );
      return await this.run(`importing key "${options.label}"`, false, async (s, t) => {
        await this.claimLabel(s, t, options.label);
        try {
          const { template } = secretKeyTemplate(type, {
            ...options,
            token: options.token ?? false,
            id: options.id ?? randomBytes(16),
          });
          const importable = template.filter((a) => a.type !== P.CKA_VALUE_LEN);
          const handle = await this.ex.call<Handle>(
            { op: 'createObject', session: s, template: importable, secretValue: copy },
            [copy.buffer],
          );
          const [key] = await this.checkNewKey(s, t, [handle], options.extractable ?? false);
          return t.reader.describe(s, key!);
        } finally {
          this.labelsInUse.delete(options.label);
        }
      });
    } finally {
      if (copy.byteLength > 0) copy.fill(0); // deliberate: a send that failed left it here
    }
  }
  async listKeys(filter: KeySelector = {}): Promise<KeyInfo[]> {
    return this.run('listing keys', IDEMPOTENT, async (s, t) => {
      const template = [];
      if (filter.label !== undefined) template.push({ type: P.CKA_LABEL, value: filter.label });
      if (filter.id !== undefined) template.push({ type: P.CKA_ID, value: filter.id });
      const handles = await t.reader.find(s, template);
      const keys = (await Promise.all(handles.map((h) => t.reader.read(s, h)))).filter(
        (k): k is FoundKey => k !== null && (!filter.class || k.cls === filter.class),
      );
      const infos = await Promise.all(keys.map((k) => t.reader.describe(s, k)));
      return infos.sort((a, b) => a.label.localeCompare(b.label) || a.class.localeCompare(b.class));
    });
  }
  async getAttributes(sel: KeySelector): Promise<KeyInfo> {
    return this.run(`reading the ${describeSelector(sel)}`, IDEMPOTENT, async (s, t) =>
      t.reader.describe(s, await t.reader.resolve(s, sel, ['private', 'secret', 'public'])),
    );
  }
  /** DER SubjectPublicKeyInfo of an asymmetric key (from either half of the pair). */
  async publicKey(sel: KeySelector): Promise<Uint8Array> {
    return this.run(
      `reading the public key of the ${describeSelector(sel)}`,
      IDEMPOTENT,
      async (s, t) => {
        const k = await t.reader.resolve(s, sel, ['public', 'private']);
        const spki = k.cls === 'public' ? spkiOf(k.attrs, k.spec) : await t.reader.pairedSpki(s, k);
        if (!spki)
          throw new OlocusError(
            ErrorCode.KEY_NOT_FOUND,
            `${t.name} holds no public key for the ${describeSelector(sel)}.`,
          );
        return new Uint8Array(spki);
      },
    );
  }

  // Key transfer (src/main/transfer) needs three things the rest of the provider does not: what the
  // token lists, a key's public part from its own attributes only, and public keys from elsewhere.
  /**
   * Creates a public key object from a DER SPKI (C_CreateObject): a transport key made on another
   * HSM (usage ['wrap']), or the public half of a migrated pair. A session object unless `token`
   * is set. The label must be free, except that a public key may join the private key of its own
   * pair (same label and id) when that pair has no public half yet.
   */
  async importPublicKey(spki: Uint8Array, options: Pkcs11GenerateOptions): Promise<KeyInfo> {
    const id = options.id ?? randomBytes(16);
    const { template } = publicKeyImportTemplate(spki, {
      ...options,
      token: options.token ?? false,
      id,
    });
    return this.run(`importing public key "${options.label}"`, false, async (s, t) => {
      if (!options.label)
        throw new OlocusError(ErrorCode.INVALID_INPUT, 'A new key needs a label.');
      if (this.labelsInUse.has(options.label))
        throw new OlocusError(
          ErrorCode.POLICY_VIOLATION,
          `A key labelled "${options.label}" is being created on ${t.name}; choose another label.`,
        );
      this.labelsInUse.add(options.label);
      try {
        const same = await t.reader.find(s, [{ type: P.CKA_LABEL, value: options.label }], 4);
        const found = await Promise.all(same.map((h) => t.reader.read(s, h)));
        const partner = found.every(
          (k) =>
            k?.cls === 'private' &&
            Buffer.from(k.attrs.get(P.CKA_ID) ?? []).equals(Buffer.from(id)),
        );
        if (!partner)
          throw new OlocusError(
            ErrorCode.POLICY_VIOLATION,
            `A key labelled "${options.label}" already exists on ${t.name}; choose another label (keys are never replaced).`,
          );
        const handle = await this.ex.call<Handle>({ op: 'createObject', session: s, template });
        const key = await t.reader.read(s, handle);
        if (!key)
          throw new OlocusError(
            ErrorCode.OPERATION_FAILED,
            `${capital(t.name)} created the public key "${options.label}" but cannot read it back.`,
          );
        return t.reader.describe(s, key);
      } finally {
        this.labelsInUse.delete(options.label);
      }
    });
  }
  async generateKeyPair(
    type: KeyType,
    options: Pkcs11GenerateOptions,
  ): Promise<{ privateKey: KeyInfo; publicKey: KeyInfo }> {
    const spec = KEY_SPECS[type];
    if (!spec || spec.family === 'aes')
      throw new OlocusError(ErrorCode.INVALID_INPUT, `${type} is not an asymmetric key type.`);
    return this.run(`generating ${type} key "${options.label}"`, false, async (s, t) => {
      await this.claimLabel(s, t, options.label);
      try {
        const id = options.id ?? randomBytes(16);
        const { mech, publicTemplate, privateTemplate } = keyPairTemplates(type, {
          ...options,
          id,
        });
        if (!t.mechs.has(mech.mechanism)) {
          throw new OlocusError(
            ErrorCode.MECHANISM_UNSUPPORTED,
            `${t.name} cannot generate ${type} keys (no ${mech.mechanism === P.CKM_RSA_PKCS_KEY_PAIR_GEN ? 'CKM_RSA_PKCS_KEY_PAIR_GEN' : 'EC key pair generation'}).`,
          );
        }
        const pair = await this.ex.call<{ publicKey: Handle; privateKey: Handle }>({
          op: 'generateKeyPair',
          session: s,
          mech,
          publicTemplate,
          privateTemplate,
        });
        const [priv, pub] = await this.checkNewKey(
          s,
          t,
          [pair.privateKey, pair.publicKey],
          options.extractable ?? false,
        );
        const publicKey = await t.reader.describe(s, pub!);
        const privateKey = await t.reader.describe(s, priv!);
        if (!privateKey.spkiSha256) privateKey.spkiSha256 = publicKey.spkiSha256;
        return { privateKey, publicKey };
      } finally {
        this.labelsInUse.delete(options.label);
      }
    });
  }
  async generateKey(type: KeyType, options: Pkcs11GenerateOptions): Promise<KeyInfo> {
    const spec = KEY_SPECS[type];
    if (!spec) throw new OlocusError(ErrorCode.INVALID_INPUT, `Unknown key type ${type}.`);
    if (spec.family !== 'aes') return (await this.generateKeyPair(type, options)).privateKey;
    return this.run(`generating ${type} key "${options.label}"`, false, async (s, t) => {
      await this.claimLabel(s, t, options.label);
      try {
        const { mech, template } = secretKeyTemplate(type, {
          ...options,
          id: options.id ?? randomBytes(16),
        });
        const handle = await this.ex.call<Handle>({
          op: 'generateKey',
          session: s,
          mech,
          template,
        });
        const [key] = await this.checkNewKey(s, t, [handle], options.extractable ?? false);
        return t.reader.describe(s, key!);
      } finally {
        this.labelsInUse.delete(options.label);
      }
    });
  }
  async destroyKey(sel: KeySelector): Promise<number> {
    return this.run(`destroying the ${describeSelector(sel)}`, false, async (s, t) => {
      if (sel.label === undefined && sel.id === undefined)
        throw new OlocusError(ErrorCode.INVALID_INPUT, 'Name the key to destroy by label or id.');
      const handles = [];
      for (const cls of sel.class ? [sel.class] : (['private', 'public', 'secret'] as const)) {
        handles.push(...(await t.reader.find(s, selectorTemplate(sel, cls))));
      }
      if (handles.length === 0)
        throw new OlocusError(
          ErrorCode.KEY_NOT_FOUND,
          `No key on ${t.name} matches ${describeSelector(sel)}.`,
        );
      for (const h of handles) await this.ex.call({ op: 'destroy', session: s, handle: h });
      this.keyCache.clear();
      return handles.length;
    });
  }

  /**
   * Changes CKA_END_DATE and usage flags on every object the selector names (both halves of a
   * pair). Each attribute is set on its own, so a module that keeps one read-only (some refuse
   * to turn CKA_SIGN back on, or any change once CKA_MODIFIABLE is false) still takes the rest;
   * what it refused is returned, not thrown.
   */
  async setKeyAttributes(
    sel: KeySelector,
    change: KeyAttributeChange,
  ): Promise<KeyAttributeOutcome[]> {
    return this.run(`changing the ${describeSelector(sel)}`, false, async (s, t) => {
      const outcomes: KeyAttributeOutcome[] = [];
      for (const cls of sel.class ? [sel.class] : (['private', 'public', 'secret'] as const)) {
        for (const handle of await t.reader.find(s, selectorTemplate(sel, cls))) {
          const wanted: [string, number, boolean | Uint8Array][] = [];
          if (change.endDate) wanted.push(['CKA_END_DATE', P.CKA_END_DATE, ckDate(change.endDate)]);
          for (const [flag, value] of Object.entries(change.usage ?? {})) {
            if (!USAGE_OF[cls].includes(flag)) continue;
            const name = `CKA_${flag.toUpperCase()}`;
            wanted.push([name, (P as unknown as Record<string, number>)[name]!, value]);
          }
          const outcome: KeyAttributeOutcome = { class: cls, set: [], refused: [] };
          for (const [name, type, value] of wanted) {
            try {
              await this.ex.call({
                op: 'setAttributes',
                session: s,
                handle,
                template: [{ type, value }],
              });
              outcome.set.push(name);
            } catch (e) {
              if (!(e instanceof Pkcs11CallError) || !e.ckr) throw e;
              outcome.refused.push({ attribute: name, ckr: e.ckr });
            }
          }
          outcomes.push(outcome);
        }
      }
      if (outcomes.length === 0)
        throw new OlocusError(
          ErrorCode.KEY_NOT_FOUND,
          `No key on ${t.name} matches ${describeSelector(sel)}.`,
        );
      this.keyCache.clear();
      return outcomes;
    });
  }
  /**
   * CKA_START_DATE and CKA_END_DATE of a key as YYYY-MM-DD, null when unset or unreadable. The
   * public half is read first: SoftHSM 2.6.1 stores the dates of a private (CKA_PRIVATE) object
   * unencrypted but tries to decrypt them when asked, answering CKR_GENERAL_ERROR, so on it the
   * dates of a secret key cannot be read back (they are still set, for other tools).
   */
  async keyDates(sel: KeySelector): Promise<{ start: string | null; end: string | null }> {
    return this.run(
      `reading the dates of the ${describeSelector(sel)}`,
      IDEMPOTENT,
      async (s, t) => {
        const k = await t.reader.resolve(s, { ...sel, class: undefined }, [
          'public',
          'secret',
          'private',
        ]);
        try {
          const [start, end] = await this.ex.call<(Uint8Array | null)[]>({
            op: 'getAttributes',
            session: s,
            handle: k.handle,
            types: [P.CKA_START_DATE, P.CKA_END_DATE],
          });
          return { start: dayOf(start), end: dayOf(end) };
        } catch (e) {
          if (e instanceof Pkcs11CallError && e.ckr === 'CKR_GENERAL_ERROR')
            return { start: null, end: null };
          throw e;
        }
      },
    );
  }
}

const USAGE_OF: Record<'private' | 'public' | 'secret', readonly string[]> = {
  private: ['sign', 'decrypt', 'unwrap'],
  public: ['verify', 'encrypt', 'wrap'],
  secret: ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap'],
};

function dayOf(v: Uint8Array | null | undefined): string | null {
  const text = v ? Buffer.from(v).toString('ascii') : '';
  return /^\d{8}$/.test(text)
    ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`
    : null;
}
