// The PKCS#11 provider: any conforming module, any token, through a session pool whose
// operations run on worker threads.
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { HsmProvider } from '../provider';
import type {
  CipherAlgorithm,
  GenerateOptions,
  HealthReport,
  KeyClass,
  KeyInfo,
  KeySelector,
  KeyType,
  ModuleInfo,
  SignAlgorithm,
  SignResult,
  TokenInfo,
  WrapAlgorithm,
} from '../types';
import { P, PUBLIC_SESSION_STATES } from './constants';
import { Pkcs11CallError } from './executor';
import { mapPkcs11Error } from './errors';
import type { FoundKey } from './keys';
import { KeyReader, describeSelector, selectorTemplate } from './keys';
import { describeKey, spkiOf } from './inventory';
import { KEY_SPECS } from './keytypes';
import type { KeySpec } from './keytypes';
import { MechanismSet, cipherMech, signPlan, wrapMech } from './mechanisms';
import type { SignPlan } from './mechanisms';
import { acquireModule, releaseModule } from './module';
import type { LoadedModule } from './module';
import type { Handle, SlotEntry } from './protocol';
import { DEFAULT_POOL, SessionPool } from './session-pool';
import type { PoolOptions } from './session-pool';
import type { KeyUsage } from './templates';
import {
  keyPairTemplates,
  publicKeyImportTemplate,
  secretKeyTemplate,
  unwrapTemplate,
} from './templates';
import type { TokenMatch } from './token';
import { describeMechanisms, describeToken, pickToken } from './token';

const capital = (x: string): string => x.charAt(0).toUpperCase() + x.slice(1);

/** The key cache's name for a selector with class, label and id (see Pkcs11Provider.key). */
const exactCacheKey = (cls: KeyClass, label: string, id: Uint8Array): string =>
  `${cls}|${label}|${Buffer.from(id).toString('hex')}`;

export interface Pkcs11ProviderOptions {
  modulePath: string;
  initArgs?: string;
  token?: TokenMatch;
  pool?: Partial<PoolOptions>;
  threads?: number;
}

export interface Pkcs11GenerateOptions extends GenerateOptions {
  usage?: KeyUsage[];
}

interface Bound {
  entry: SlotEntry;
  pool: SessionPool;
  mechs: MechanismSet;
  reader: KeyReader;
  name: string;
}

const IDEMPOTENT = true;

export class Pkcs11Provider implements HsmProvider {
  readonly kind = 'pkcs11';
  private bound: Promise<Bound> | null = null;
  private readonly keyCache = new Map<string, FoundKey>();
  private readonly planCache = new Map<string, SignPlan>();
  private readonly labelsInUse = new Set<string>();
  private closed = false;

  private constructor(
    private readonly mod: LoadedModule,
    private readonly options: Pkcs11ProviderOptions,
  ) {}

  static async open(options: Pkcs11ProviderOptions): Promise<Pkcs11Provider> {
    const mod = await acquireModule(options.modulePath, options.initArgs, options.threads);
    return new Pkcs11Provider(mod, options);
  }

  private get ex() {
    return this.mod.executor;
  }

  async info(): Promise<ModuleInfo> {
    return this.mod.info;
  }

  private async slots(): Promise<SlotEntry[]> {
    try {
      return await this.ex.call<SlotEntry[]>({ op: 'slots', tokenPresent: false });
    } catch (e) {
      throw mapPkcs11Error(e, `the module ${this.mod.path}`, 'listing slots');
    }
  }

  async listTokens(options: { mechanisms?: boolean } = {}): Promise<TokenInfo[]> {
    const entries = (await this.slots()).filter((e) => e.tokenInfo);
    return Promise.all(
      entries.map(async (e) => {
        const info = describeToken(e);
        if (options.mechanisms) {
          const list = await this.ex.call<
            { type: number; minKeySize: number; maxKeySize: number; flags: number }[]
          >({ op: 'mechanisms', slot: e.slot });
          info.mechanisms = describeMechanisms(list);
        }
        return info;
      }),
    );
  }

  /** The token this provider works on, chosen on first use; its pool starts then. */
  private token(): Promise<Bound> {
    if (this.closed)
      return Promise.reject(
        new OlocusError(ErrorCode.SESSION_UNAVAILABLE, 'This HSM connection was closed.'),
      );
    this.bound ??= (async () => {
      const entry = pickToken(await this.slots(), this.options.token ?? {}, this.mod.path);
      const d = describeToken(entry);
      const name = `token "${d.label}"`;
      const list = await this.ex.call<{ type: number; flags: number }[]>({
        op: 'mechanisms',
        slot: entry.slot,
      });
      const pool = new SessionPool(
        this.ex,
        entry.slot,
        { ...DEFAULT_POOL, ...this.options.pool },
        name,
      );
      await pool.start();
      return {
        entry,
        pool,
        mechs: new MechanismSet(list),
        reader: new KeyReader(this.ex, name, d.label),
        name,
      };
    })();
    this.bound.catch(() => (this.bound = null));
    return this.bound;
  }

  async tokenInfo(): Promise<TokenInfo> {
    const t = await this.token();
    const fresh = (await this.slots()).find(
      (e) => Buffer.compare(Buffer.from(e.slot), Buffer.from(t.entry.slot)) === 0,
    );
    return describeToken(fresh ?? t.entry);
  }

  /** Runs `fn` on a pooled session and turns module errors into officer-readable ones. */
  private async run<T>(
    doing: string | (() => string),
    idempotent: boolean,
    fn: (s: Handle, t: Bound) => Promise<T>,
  ): Promise<T> {
    const t = await this.token();
    for (let attempt = 0; ; attempt++) {
      try {
        return await t.pool.use((s) => fn(s, t), idempotent);
      } catch (e) {
        // Object handles die when the last session on a slot closes; a cached one is looked up
        // again once.
        if (
          e instanceof Pkcs11CallError &&
          (e.ckr === 'CKR_KEY_HANDLE_INVALID' || e.ckr === 'CKR_OBJECT_HANDLE_INVALID')
        ) {
          const hadCache = this.keyCache.size > 0;
          this.keyCache.clear();
          if (idempotent && hadCache && attempt === 0) continue;
        }
        const surprising =
          e instanceof Pkcs11CallError ||
          (e instanceof OlocusError &&
            (e.code === ErrorCode.KEY_NOT_FOUND || e.code === ErrorCode.OPERATION_FAILED));
        if (surprising && (await this.tokenGone(t))) {
          this.keyCache.clear();
          throw new OlocusError(
            ErrorCode.TOKEN_NOT_FOUND,
            `${capital(t.name)} (serial ${describeToken(t.entry).serial}) is no longer present: it was removed or disconnected while ${typeof doing === 'string' ? doing : doing()}. Reconnect it and repeat the operation.`,
            {
              ckr:
                e instanceof Pkcs11CallError
                  ? (e.ckr ?? 'CKR_TOKEN_NOT_PRESENT')
                  : 'CKR_TOKEN_NOT_PRESENT',
              cause: e,
            },
          );
        }
        if (
          e instanceof OlocusError &&
          e.code === ErrorCode.KEY_NOT_FOUND &&
          (await this.loggedOut(t))
        ) {
          throw new OlocusError(
            ErrorCode.AUTHENTICATION_FAILED,
            `Nobody is logged in to ${t.name}, so its private keys are hidden; log in with the user PIN first (${e.message})`,
            { ckr: 'CKR_USER_NOT_LOGGED_IN', cause: e },
          );
        }
        throw mapPkcs11Error(e, t.name, typeof doing === 'string' ? doing : doing());
      }
    }
  }

  /**
   * Whether the token we work on has left its slot. Some modules say CKR_DEVICE_REMOVED; others
   * (SoftHSM when its token store disappears) answer with general errors or empty searches, so
   * an unexpected failure is checked against the slot list before it is reported.
   */
  private async tokenGone(t: Bound): Promise<boolean> {
    const want = describeToken(t.entry);
    try {
      const entries = await this.slots();
      return !entries.some((e) => {
        if (!e.tokenInfo) return false;
        const d = describeToken(e);
        return d.initialized && d.serial === want.serial && d.label === want.label;
      });
    } catch {
      return true;
    }
  }

  /** True when the token wants a login and our sessions are public ones (login lost or never made). */
  private async loggedOut(t: Bound): Promise<boolean> {
    if (!describeToken(t.entry).loginRequired) return false;
    try {
      const info = await t.pool.use(
        (session) => this.ex.call<{ state: number }>({ op: 'sessionInfo', session }),
        IDEMPOTENT,
      );
      return PUBLIC_SESSION_STATES.has(info.state);
    } catch {
      return false;
    }
  }

  /**
   * Logs in for every session of this application on the token. Takes ownership of `pin` and
   * zeroes it; the worker gets its own copy, moved rather than cloned.
   */
  async login(pin: Uint8Array, user: 'user' | 'so' = 'user'): Promise<void> {
    const copy = new Uint8Array(pin);
    pin.fill(0);
    const t = await this.token();
    try {
      await t.pool.use(async (session) => {
        try {
          await this.ex.call(
            { op: 'login', session, userType: user === 'so' ? P.CKU_SO : P.CKU_USER, pin: copy },
            [copy.buffer],
          );
        } catch (e) {
          if (!(e instanceof Pkcs11CallError && e.ckr === 'CKR_USER_ALREADY_LOGGED_IN')) throw e;
        }
      }, false);
      t.pool.loggedIn = true;
    } catch (e) {
      throw mapPkcs11Error(
        e,
        t.name,
        user === 'so' ? 'logging in as Security Officer' : 'logging in',
      );
    } finally {
      // Moved to the worker, the buffer is detached here; a failed send leaves it to zero.
      if (copy.byteLength > 0) copy.fill(0);
    }
  }

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
    soPin.fill(0);
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
      if (copy.byteLength > 0) copy.fill(0);
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
    value.fill(0);
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
      if (copy.byteLength > 0) copy.fill(0);
    }
  }

  /** Sets the user PIN while logged in as Security Officer (token initialisation). Zeroes `pin`. */
  async initUserPin(pin: Uint8Array): Promise<void> {
    const copy = new Uint8Array(pin);
    pin.fill(0);
    const t = await this.token();
    try {
      await t.pool.use(
        (session) => this.ex.call({ op: 'initPin', session, pin: copy }, [copy.buffer]),
        false,
      );
    } catch (e) {
      throw mapPkcs11Error(e, t.name, 'setting the user PIN');
    } finally {
      if (copy.byteLength > 0) copy.fill(0);
    }
  }

  async logout(): Promise<void> {
    const t = await this.token();
    await t.pool
      .use((session) => this.ex.call({ op: 'logout', session }), false)
      .catch((e) => {
        if (!(e instanceof Pkcs11CallError && e.ckr === 'CKR_USER_NOT_LOGGED_IN'))
          throw mapPkcs11Error(e, t.name, 'logging out');
      });
    t.pool.loggedIn = false;
    this.keyCache.clear();
  }

  private async key(s: Handle, t: Bound, sel: KeySelector, classes: KeyClass[]): Promise<FoundKey> {
    const cacheKey = `${sel.class ?? classes.join('/')}|${sel.label ?? ''}|${sel.id ? Buffer.from(sel.id).toString('hex') : ''}`;
    const hit = this.keyCache.get(cacheKey);
    if (hit) return hit;
    const found = await t.reader.resolve(s, sel, classes);
    this.keyCache.set(cacheKey, found);
    return found;
  }

  private requireSpec(k: FoundKey, sel: KeySelector): KeySpec {
    if (!k.spec)
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `The ${describeSelector(sel)} is of a type this tool does not handle.`,
      );
    return k.spec;
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

  /** Whether the token lists `mechanism` (with `flag`, e.g. CKF_WRAP, when given). */
  async hasMechanism(mechanism: number, flag?: number): Promise<boolean> {
    return (await this.token()).mechs.has(mechanism, flag);
  }

  /**
   * DER SPKI built from the key object's own attributes (modulus and exponent, CKA_EC_POINT or
   * CKA_PUBLIC_KEY_INFO), or null when the module does not expose them (SoftHSM for an unwrapped
   * EC private key). Unlike publicKey(), it never borrows the other half of the pair, so it can
   * prove what a key is rather than what its neighbour is.
   */
  async ownPublicKey(sel: KeySelector): Promise<Uint8Array | null> {
    return this.run(
      `reading the public part of the ${describeSelector(sel)}`,
      IDEMPOTENT,
      async (s, t) => {
        const k = await this.key(s, t, sel, ['private', 'public']);
        const spki = spkiOf(k.attrs, k.spec);
        return spki ? new Uint8Array(spki) : null;
      },
    );
  }

  /**
   * Key check value of an AES key (first 3 bytes of AES-ECB over a zero block), whatever its
   * CKA_VALUE_LEN says: SoftHSM reports 0 for an unwrapped AES key, which hides its size from
   * the inventory (and so its KCV from getAttributes). Null when the key may not encrypt.
   */
  async checkValue(sel: KeySelector): Promise<string | null> {
    return this.run(
      `computing the KCV of the ${describeSelector(sel)}`,
      IDEMPOTENT,
      async (s, t) => {
        const k = await t.reader.resolve(s, { ...sel, class: 'secret' }, ['secret']);
        const kt = k.attrs.get(P.CKA_KEY_TYPE);
        if (!kt || Buffer.from(kt).readUInt32LE(0) !== P.CKK_AES) return null;
        try {
          const out = await this.ex.call<Uint8Array>({
            op: 'encrypt',
            session: s,
            mech: { mechanism: P.CKM_AES_ECB },
            key: k.handle,
            data: new Uint8Array(16),
            outLen: 16,
          });
          return Buffer.from(out.subarray(0, 3)).toString('hex');
        } catch (e) {
          if (e instanceof Pkcs11CallError && e.ckr === 'CKR_KEY_FUNCTION_NOT_PERMITTED')
            return null;
          throw e;
        }
      },
    );
  }

  /** Every object label on the token, from one search: a batch checks its target once. */
  async labels(): Promise<Set<string>> {
    return this.run('listing the labels in use', IDEMPOTENT, async (s, t) => {
      const handles = await t.reader.find(s, []);
      const values = await Promise.all(
        handles.map((handle) =>
          this.ex.call<(Uint8Array | null)[]>({
            op: 'getAttributes',
            session: s,
            handle,
            types: [P.CKA_LABEL],
          }),
        ),
      );
      return new Set(values.map(([v]) => (v ? Buffer.from(v).toString('utf8') : '')));
    });
  }

  /**
   * A key's description and, for an asymmetric key, its public key (DER SPKI), read once. The
   * lookup is cached, so wrapping the same selector next finds no object again (a search costs
   * milliseconds on a token with many objects).
   */
  async describeWithPublicKey(
    sel: KeySelector,
  ): Promise<{ info: KeyInfo; spki: Uint8Array | null }> {
    return this.run(`reading the ${describeSelector(sel)}`, IDEMPOTENT, async (s, t) => {
      const k = await this.key(s, t, sel, ['private', 'secret', 'public']);
      // Remembered under its exact name too, which is how a transfer names it next.
      const label = Buffer.from(k.attrs.get(P.CKA_LABEL) ?? []).toString('utf8');
      this.keyCache.set(exactCacheKey(k.cls, label, k.attrs.get(P.CKA_ID) ?? new Uint8Array()), k);
      const own = spkiOf(k.attrs, k.spec);
      const spki = k.cls === 'secret' ? null : (own ?? (await t.reader.pairedSpki(s, k)));
      const kcv = k.cls === 'secret' ? await t.reader.kcv(s, k) : null;
      const info = describeKey(k.attrs, {
        tokenLabel: describeToken(t.entry).label,
        pairedSpki: spki,
        kcv,
      });
      return { info, spki: spki ? new Uint8Array(spki) : null };
    });
  }

  /**
   * The source leg of CKM_RSA_AES_KEY_WRAP in one worker round trip: a fresh AES-256 session key
   * wraps `key` with KWP and is itself wrapped under the RSA public key `transport` with OAEP;
   * it is destroyed before the call returns. Returns OAEP part || KWP part.
   */
  async wrapUnderEphemeral(
    transport: KeySelector,
    key: KeySelector,
    oaep: 'rsa-oaep-sha1' | 'rsa-oaep-sha256',
  ): Promise<Uint8Array> {
    return this.run(`wrapping the ${describeSelector(key)}`, IDEMPOTENT, async (s, t) => {
      const wrappingKey = await this.key(s, t, transport, ['public']);
      const target = await this.key(s, t, key, ['private', 'secret']);
      if (target.attrs.get(P.CKA_EXTRACTABLE)?.[0] !== 1)
        throw new OlocusError(
          ErrorCode.POLICY_VIOLATION,
          `The ${describeSelector(key)} on ${t.name} is not extractable, so it cannot be wrapped or exported.`,
        );
      const { mech: generate, template } = secretKeyTemplate('aes-256', {
        label: '',
        id: new Uint8Array(),
        token: false,
        extractable: true,
        usage: ['wrap'],
      });
      return this.withMechanism(t, oaep, () =>
        this.ex.call<Uint8Array>({
          op: 'wrapEphemeral',
          session: s,
          generate,
          ephTemplate: template.filter((a) => a.type !== P.CKA_LABEL && a.type !== P.CKA_ID),
          key: target.handle,
          inner: wrapMech('aes-kwp'),
          wrappingKey: wrappingKey.handle,
          outer: wrapMech(oaep),
        }),
      );
    });
  }

  /**
   * The target leg of a transfer in one worker round trip: with `oaep`, the head of `wrapped`
   * (`oaep.bytes` long) is an AES key under the RSA private key `unwrappingKey`, and the rest is
   * the key under that AES key (KWP); without it, `wrapped` is the key under the AES KEK
   * `unwrappingKey`. `publicKey` (DER SPKI) adds the pair's public half. The new key is checked
   * like any other and remembered, so signing with it next needs no search.
   */
  async unwrapTransferred(
    unwrappingKey: KeySelector,
    wrapped: Uint8Array,
    oaep: { algorithm: 'rsa-oaep-sha1' | 'rsa-oaep-sha256'; bytes: number } | null,
    target: {
      type: KeyType;
      class: 'private' | 'secret';
      usage?: KeyUsage[];
      strictUsage?: boolean;
      publicKey?: Uint8Array;
    } & GenerateOptions,
  ): Promise<KeyInfo> {
    return this.run(`unwrapping key "${target.label}"`, false, async (s, t) => {
      await this.claimLabel(s, t, target.label);
      try {
        const id = target.id ?? randomBytes(16);
        const kek = await this.key(s, t, unwrappingKey, oaep ? ['private'] : ['secret']);
        const template = unwrapTemplate(target.type, target.class, { ...target, id });
        const publicTemplate = target.publicKey
          ? publicKeyImportTemplate(target.publicKey, { ...target, id }).template
          : undefined;
        const first = oaep
          ? {
              mech: wrapMech(oaep.algorithm),
              wrapped: wrapped.subarray(0, oaep.bytes),
              template: unwrapTemplate('aes-256', 'secret', {
                label: '',
                id: new Uint8Array(),
                token: false,
                usage: ['wrap'],
              }).filter((a) => a.type !== P.CKA_LABEL && a.type !== P.CKA_ID),
            }
          : undefined;
        const made = await this.withMechanism(t, oaep?.algorithm ?? 'aes-kwp', () =>
          this.ex.call<{ key: Handle; publicKey: Handle | null }>({
            op: 'unwrapChain',
            session: s,
            unwrappingKey: kek.handle,
            ...(first ? { first } : {}),
            mech: wrapMech('aes-kwp'),
            wrapped: oaep ? wrapped.subarray(oaep.bytes) : wrapped,
            template,
            ...(publicTemplate ? { publicTemplate } : {}),
          }),
        );
        // Only the new private or secret key needs checking (and reading); the public half goes
        // with it if the module did not honour the template.
        const [key] = await this.checkNewKey(s, t, [made.key], target.extractable ?? false).catch(
          async (e: unknown) => {
            if (made.publicKey)
              await this.ex
                .call({ op: 'destroy', session: s, handle: made.publicKey })
                .catch(() => undefined);
            throw e;
          },
        );
        this.keyCache.set(exactCacheKey(target.class, target.label, id), key!);
        return describeKey(key!.attrs, {
          tokenLabel: describeToken(t.entry).label,
          pairedSpki: target.publicKey ? Buffer.from(target.publicKey) : null,
          kcv: target.class === 'secret' ? await t.reader.kcv(s, key!) : null,
        });
      } finally {
        this.labelsInUse.delete(target.label);
      }
    });
  }

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

  /** Reserves a label for a new key; the caller releases it when the key exists or failed. */
  private async claimLabel(s: Handle, t: Bound, label: string): Promise<void> {
    if (!label) throw new OlocusError(ErrorCode.INVALID_INPUT, 'A new key needs a label.');
    const taken = () =>
      new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `A key labelled "${label}" already exists on ${t.name}; choose another label (keys are never replaced).`,
      );
    // Reserve before the first await, so that two requests for one label cannot both pass.
    if (this.labelsInUse.has(label)) throw taken();
    this.labelsInUse.add(label);
    try {
      if ((await t.reader.find(s, [{ type: P.CKA_LABEL, value: label }], 1)).length > 0)
        throw taken();
    } catch (e) {
      this.labelsInUse.delete(label);
      throw e;
    }
  }

  /** Reads a new key back and destroys it if the module did not honour the safe template. */
  private async checkNewKey(
    s: Handle,
    t: Bound,
    handles: Handle[],
    extractable: boolean,
  ): Promise<FoundKey[]> {
    const keys = (await Promise.all(handles.map((h) => t.reader.read(s, h)))).filter(
      (k): k is FoundKey => k !== null,
    );
    const bad = keys.find(
      (k) =>
        k.cls !== 'public' &&
        (k.attrs.get(P.CKA_SENSITIVE)?.[0] !== 1 ||
          (k.attrs.get(P.CKA_EXTRACTABLE)?.[0] === 1) !== extractable),
    );
    if (bad) {
      await Promise.all(
        handles.map((h) =>
          this.ex.call({ op: 'destroy', session: s, handle: h }).catch(() => undefined),
        ),
      );
      throw new OlocusError(
        ErrorCode.POLICY_VIOLATION,
        `${t.name} did not create the key with the requested protection (sensitive, ${extractable ? '' : 'not '}extractable); the key was destroyed.`,
      );
    }
    return keys;
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

  private plan(t: Bound, alg: SignAlgorithm, spec: KeySpec, flag: number): SignPlan {
    const k = `${alg}|${spec.type}|${flag}`;
    let p = this.planCache.get(k);
    if (!p) {
      p = signPlan(alg, spec, t.mechs, flag);
      this.planCache.set(k, p);
    }
    return p;
  }

  async sign(sel: KeySelector, data: Uint8Array, algorithm?: SignAlgorithm): Promise<SignResult> {
    return this.run(
      () => `signing with the ${describeSelector(sel)}`,
      IDEMPOTENT,
      async (s, t) => {
        const k = await this.key(s, t, sel, ['private']);
        const spec = this.requireSpec(k, sel);
        const alg = algorithm ?? spec.defaultSign!;
        const plan = this.plan(t, alg, spec, P.CKF_SIGN);
        const signature = await this.ex.call<Uint8Array>({
          op: 'sign',
          session: s,
          mech: plan.mech,
          key: k.handle,
          data,
          ...(plan.prehash ? { prehash: plan.prehash } : {}),
          outLen: plan.outLen,
        });
        return {
          signature,
          algorithm: alg,
          mechanism: plan.mechanismName,
          hashedInSoftware: plan.hashedInSoftware,
        };
      },
    );
  }

  async verify(
    sel: KeySelector,
    data: Uint8Array,
    signature: Uint8Array,
    algorithm?: SignAlgorithm,
  ): Promise<boolean> {
    return this.run(
      () => `verifying with the ${describeSelector(sel)}`,
      IDEMPOTENT,
      async (s, t) => {
        const k = await this.key(s, t, { ...sel, class: 'public' }, ['public']);
        const spec = this.requireSpec(k, sel);
        const plan = this.plan(t, algorithm ?? spec.defaultSign!, spec, P.CKF_VERIFY);
        return this.ex.call<boolean>({
          op: 'verify',
          session: s,
          mech: plan.mech,
          key: k.handle,
          data,
          ...(plan.prehash ? { prehash: plan.prehash } : {}),
          signature,
        });
      },
    );
  }

  /**
   * Modules answer a parameter they do not implement (e.g. OAEP with SHA-256 on SoftHSM) with
   * CKR_MECHANISM_PARAM_INVALID or, less helpfully, CKR_ARGUMENTS_BAD: both mean "unsupported".
   */
  private async withMechanism<T>(t: Bound, alg: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (
        e instanceof Pkcs11CallError &&
        (e.ckr === 'CKR_MECHANISM_PARAM_INVALID' ||
          e.ckr === 'CKR_ARGUMENTS_BAD' ||
          e.ckr === 'CKR_MECHANISM_INVALID')
      ) {
        throw new OlocusError(
          ErrorCode.MECHANISM_UNSUPPORTED,
          `${t.name} does not implement ${alg}.`,
          { ckr: e.ckr, cause: e },
        );
      }
      throw e;
    }
  }

  async encrypt(
    sel: KeySelector,
    data: Uint8Array,
    algorithm?: CipherAlgorithm,
  ): Promise<{ ciphertext: Uint8Array; iv?: Uint8Array; algorithm: CipherAlgorithm }> {
    return this.run(
      () => `encrypting with the ${describeSelector(sel)}`,
      IDEMPOTENT,
      async (s, t) => {
        const k = await this.key(s, t, sel, ['secret', 'public']);
        const spec = this.requireSpec(k, sel);
        const outLen = spec.family === 'rsa' ? spec.bits / 8 : data.length + 32;
        const attempt = async (alg: CipherAlgorithm) => {
          const iv =
            alg === 'aes-gcm'
              ? randomBytes(12)
              : alg === 'aes-cbc-pad'
                ? randomBytes(16)
                : undefined;
          const ciphertext = await this.withMechanism(t, alg, () =>
            this.ex.call<Uint8Array>({
              op: 'encrypt',
              session: s,
              mech: cipherMech(alg, iv),
              key: k.handle,
              data,
              outLen,
            }),
          );
          return { ciphertext, algorithm: alg, ...(iv ? { iv } : {}) };
        };
        if (algorithm) return attempt(algorithm);
        if (spec.family === 'aes') return attempt('aes-gcm');
        // Without a stated hash, OAEP-SHA-256 is preferred; SHA-1 (still allowed for key transport
        // by SP 800-131A) is the fallback for modules such as SoftHSM, and the result says so.
        return attempt('rsa-oaep-sha256').catch((e: unknown) => {
          if (e instanceof OlocusError && e.code === ErrorCode.MECHANISM_UNSUPPORTED)
            return attempt('rsa-oaep-sha1');
          throw e;
        });
      },
    );
  }

  async decrypt(
    sel: KeySelector,
    ciphertext: Uint8Array,
    algorithm: CipherAlgorithm,
    iv?: Uint8Array,
  ): Promise<Uint8Array> {
    return this.run(
      () => `decrypting with the ${describeSelector(sel)}`,
      IDEMPOTENT,
      async (s, t) => {
        const k = await this.key(s, t, sel, ['secret', 'private']);
        const spec = this.requireSpec(k, sel);
        const outLen = spec.family === 'rsa' ? spec.bits / 8 : ciphertext.length;
        return this.withMechanism(t, algorithm, () =>
          this.ex.call<Uint8Array>({
            op: 'decrypt',
            session: s,
            mech: cipherMech(algorithm, iv),
            key: k.handle,
            data: ciphertext,
            outLen,
          }),
        );
      },
    );
  }

  async wrapKey(
    wrappingKey: KeySelector,
    key: KeySelector,
    algorithm: WrapAlgorithm,
  ): Promise<Uint8Array> {
    return this.run(`wrapping the ${describeSelector(key)}`, IDEMPOTENT, async (s, t) => {
      const kek = await this.key(
        s,
        t,
        wrappingKey,
        algorithm === 'aes-kwp' ? ['secret'] : ['public'],
      );
      const target = await this.key(s, t, key, ['private', 'secret']);
      if (target.attrs.get(P.CKA_EXTRACTABLE)?.[0] !== 1) {
        throw new OlocusError(
          ErrorCode.POLICY_VIOLATION,
          `The ${describeSelector(key)} on ${t.name} is not extractable, so it cannot be wrapped or exported.`,
        );
      }
      return this.withMechanism(t, algorithm, () =>
        this.ex.call<Uint8Array>({
          op: 'wrap',
          session: s,
          mech: wrapMech(algorithm),
          wrappingKey: kek.handle,
          key: target.handle,
        }),
      );
    });
  }

  async unwrapKey(
    unwrappingKey: KeySelector,
    wrapped: Uint8Array,
    algorithm: WrapAlgorithm,
    target: {
      type: KeyType;
      class: 'private' | 'secret';
      usage?: KeyUsage[];
      strictUsage?: boolean;
    } & GenerateOptions,
  ): Promise<KeyInfo> {
    return this.run(`unwrapping key "${target.label}"`, false, async (s, t) => {
      await this.claimLabel(s, t, target.label);
      try {
        const kek = await this.key(
          s,
          t,
          unwrappingKey,
          algorithm === 'aes-kwp' ? ['secret'] : ['private'],
        );
        const template = unwrapTemplate(target.type, target.class, {
          ...target,
          id: target.id ?? randomBytes(16),
        });
        const handle = await this.withMechanism(t, algorithm, () =>
          this.ex.call<Handle>({
            op: 'unwrap',
            session: s,
            mech: wrapMech(algorithm),
            unwrappingKey: kek.handle,
            wrapped,
            template,
          }),
        );
        const [key] = await this.checkNewKey(s, t, [handle], target.extractable ?? false);
        return t.reader.describe(s, key!);
      } finally {
        this.labelsInUse.delete(target.label);
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

  async health(): Promise<HealthReport> {
    const start = performance.now();
    try {
      const info = await this.tokenInfo();
      const t = await this.token();
      if (await this.tokenGone(t)) {
        throw new OlocusError(
          ErrorCode.TOKEN_NOT_FOUND,
          `${capital(t.name)} (serial ${info.serial}) is no longer present.`,
          { ckr: 'CKR_TOKEN_NOT_PRESENT' },
        );
      }
      await t.pool.use((session) => this.ex.call({ op: 'sessionInfo', session }), IDEMPOTENT);
      const st = t.pool.stats();
      return {
        ok: true,
        provider: `${this.mod.info.manufacturer} ${this.mod.info.description}`.trim(),
        latencyMs: performance.now() - start,
        detail: `token "${info.label}" (serial ${info.serial}) answers`,
        sessions: { open: st.open, idle: st.idle, busy: st.busy, max: st.max, waiting: st.waiting },
      };
    } catch (e) {
      const err =
        e instanceof OlocusError ? e : mapPkcs11Error(e, this.mod.path, 'checking health');
      return {
        ok: false,
        provider: this.mod.info.manufacturer,
        latencyMs: performance.now() - start,
        detail: err.describe(),
      };
    }
  }

  /** Pool statistics for monitoring and tests; null before the token is first used. */
  async poolStats() {
    return this.bound ? (await this.bound).pool.stats() : null;
  }

  async maintainPool(): Promise<void> {
    if (this.bound) await (await this.bound).pool.maintain();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const bound = this.bound ? await this.bound.catch(() => null) : null;
    if (bound) await bound.pool.close();
    await releaseModule(this.mod);
  }
}
