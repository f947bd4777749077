// The PKCS#11 operations, run with pkcs11js's synchronous calls: on a worker thread (worker.ts),
// or on the calling thread when the executor runs inline (a member host, a process that does
// nothing else). pkcs11js is loaded on first use, so a process that only imports this loads no
// native module.
import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11Types from 'pkcs11js';
import type { Attr, Mech, Op, Prehash, Reply, Request, WireError, WorkerInit } from './protocol';

type PKCS11 = InstanceType<typeof Pkcs11Types.PKCS11>;
let loadedPkcs11js: typeof Pkcs11Types | null = null;
function lib(): typeof Pkcs11Types {
  loadedPkcs11js ??= createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Types;
  return loadedPkcs11js;
}
const CKR_NAME_RE = /(CKR_[A-Z0-9_]+)(?::(\d+))?/;

export function toWireError(e: unknown): WireError {
  const message = e instanceof Error ? e.message : String(e);
  const m = CKR_NAME_RE.exec(message);
  return m ? { message, ckr: m[1]!, ...(m[2] ? { rv: Number(m[2]) } : {}) } : { message };
}

/** Structured clone turns Buffers into Uint8Arrays; pkcs11js wants Buffers back. */
function buf(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function attrs(template: Attr[]): Pkcs11Types.Template {
  return template.map((a) =>
    a.value instanceof Uint8Array
      ? { type: a.type, value: buf(a.value) }
      : (a as Pkcs11Types.Attribute),
  );
}

function mech(m: Mech): Pkcs11Types.Mechanism {
  const p = m.parameter;
  if (p === undefined || typeof p === 'number') return m as Pkcs11Types.Mechanism;
  if (p instanceof Uint8Array) return { mechanism: m.mechanism, parameter: buf(p) };
  const parameter: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) parameter[k] = v instanceof Uint8Array ? buf(v) : v;
  return { mechanism: m.mechanism, parameter: parameter as unknown as Pkcs11Types.IParams };
}

/** PINs arrive as bytes so the sender could zero its copy; pkcs11js takes a string. */
function withPin<T>(pin: Uint8Array, use: (pin: string) => T): T {
  try {
    return use(Buffer.from(pin.buffer, pin.byteOffset, pin.byteLength).toString('utf8'));
  } finally {
    pin.fill(0); // deliberate: the worker owns the PIN bytes it was moved
  }
}

/**
 * A call that failed after its *Init succeeded may leave the operation active on the session
 * (SoftHSM does, after a failed AES-GCM tag check), and PKCS#11 2.40 has no portable way to
 * cancel it; the pool then retires the session instead of handing it out again.
 */
class Tainted extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}

function second<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw new Tainted(e);
  }
}

function input(data: Uint8Array, prehash: Prehash | undefined): Buffer {
  if (!prehash) return buf(data);
  // One-shot: half the cost of a Hash object, on every signature a software hash precedes.
  const digest = hash(prehash.hash, data, 'buffer');
  return prehash.prefix ? Buffer.concat([prehash.prefix, digest]) : digest;
}

function open(init: WorkerInit): PKCS11 {
  const pkcs11js = lib();
  const p = new pkcs11js.PKCS11();
  p.load(init.modulePath);
  const options: Pkcs11Types.InitializationOptions = { flags: pkcs11js.CKF_OS_LOCKING_OK };
  if (init.initArgs !== undefined) options.libraryParameters = init.initArgs;
  try {
    p.C_Initialize(options);
  } catch (e) {
    if (toWireError(e).ckr !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED' || init.initialize) throw e;
  }
  return p;
}

function getAttributes(
  p: PKCS11,
  session: Buffer,
  handle: Buffer,
  types: number[],
): (Uint8Array | null)[] {
  try {
    return p
      .C_GetAttributeValue(
        session,
        handle,
        types.map((type) => ({ type })),
      )
      .map((a) => a.value);
  } catch (e) {
    const { ckr } = toWireError(e);
    // pkcs11js throws a TypeError (no CKR) for an empty CK_DATE, which modules report for a
    // CKA_START_DATE/CKA_END_DATE nobody set: that attribute is then read as null too.
    const emptyDate = ckr === undefined && e instanceof TypeError;
    if (ckr !== 'CKR_ATTRIBUTE_SENSITIVE' && ckr !== 'CKR_ATTRIBUTE_TYPE_INVALID' && !emptyDate)
      throw e;
    // One unreadable attribute fails the whole call; ask one at a time and leave the gaps null.
    return types.map((type) => {
      try {
        return p.C_GetAttributeValue(session, handle, [{ type }])[0]?.value ?? null;
      } catch {
        return null;
      }
    });
  }
}

/** Generates an ephemeral AES key, wraps the key under it and it under the transport key. */
function wrapEphemeral(p: PKCS11, o: Extract<Op, { op: 'wrapEphemeral' }>): Uint8Array {
  const s = buf(o.session);
  const eph = p.C_GenerateKey(s, mech(o.generate), attrs(o.ephTemplate));
  let inner: Buffer | null = null;
  let outer: Buffer | null = null;
  try {
    inner = p.C_WrapKey(s, mech(o.inner), eph, buf(o.key), Buffer.alloc(16384));
    outer = p.C_WrapKey(s, mech(o.outer), buf(o.wrappingKey), eph, Buffer.alloc(16384));
    // The CKM_RSA_AES_KEY_WRAP layout: the OAEP part first, then the KWP part.
    const blob = new Uint8Array(outer.length + inner.length);
    blob.set(outer, 0);
    blob.set(inner, outer.length);
    return blob;
  } finally {
    // deliberate: the worker's own scratch of the wrapped halves (not Secrets across threads)
    inner?.fill(0);
    outer?.fill(0);
    p.C_DestroyObject(s, eph);
  }
}

/** Unwraps (through an ephemeral key when `first` is given) and adds the public half; all or nothing. */
function unwrapChain(
  p: PKCS11,
  o: Extract<Op, { op: 'unwrapChain' }>,
): { key: Uint8Array; publicKey: Uint8Array | null } {
  const s = buf(o.session);
  const eph = o.first
    ? p.C_UnwrapKey(
        s,
        mech(o.first.mech),
        buf(o.unwrappingKey),
        buf(o.first.wrapped),
        attrs(o.first.template),
      )
    : null;
  try {
    const key = p.C_UnwrapKey(
      s,
      mech(o.mech),
      eph ?? buf(o.unwrappingKey),
      buf(o.wrapped),
      attrs(o.template),
    );
    try {
      const publicKey = o.publicTemplate ? p.C_CreateObject(s, attrs(o.publicTemplate)) : null;
      return { key, publicKey };
    } catch (e) {
      p.C_DestroyObject(s, key);
      throw e;
    }
  } finally {
    if (eph) p.C_DestroyObject(s, eph);
    // This thread's copies of the blob (a view clones its whole buffer) go as soon as they served.
    o.wrapped.fill(0); // deliberate: the worker owns its moved copies
    o.first?.wrapped.fill(0);
  }
}

function run(p: PKCS11, o: Op): unknown {
  const pkcs11js = lib();
  switch (o.op) {
    case 'info':
      return p.C_GetInfo();
    case 'slots':
      return p.C_GetSlotList(o.tokenPresent).map((slot) => {
        const slotInfo = p.C_GetSlotInfo(slot);
        let tokenInfo: Pkcs11Types.TokenInfo | null = null;
        // CKF_TOKEN_PRESENT (0x1) is missing from pkcs11js's typings.
        if (slotInfo.flags & 0x1) {
          try {
            tokenInfo = p.C_GetTokenInfo(slot);
          } catch {
            tokenInfo = null;
          }
        }
        return { slot, slotInfo, tokenInfo };
      });
    case 'mechanisms':
      return p
        .C_GetMechanismList(buf(o.slot))
        .map((type) => ({ type, ...p.C_GetMechanismInfo(buf(o.slot), type) }));
    case 'openSession':
      return p.C_OpenSession(
        buf(o.slot),
        pkcs11js.CKF_SERIAL_SESSION | (o.rw ? pkcs11js.CKF_RW_SESSION : 0),
      );
    case 'closeSession':
      return p.C_CloseSession(buf(o.session));
    case 'closeAllSessions':
      return p.C_CloseAllSessions(buf(o.slot));
    case 'sessionInfo':
      return p.C_GetSessionInfo(buf(o.session));
    case 'login':
      return withPin(o.pin, (pin) => p.C_Login(buf(o.session), o.userType, pin));
    case 'logout':
      return p.C_Logout(buf(o.session));
    case 'initToken':
      return withPin(o.soPin, (pin) => p.C_InitToken(buf(o.slot), pin, o.label));
    case 'initPin':
      return withPin(o.pin, (pin) => p.C_InitPIN(buf(o.session), pin));
    case 'setPin':
      return withPin(o.oldPin, (oldPin) =>
        withPin(o.newPin, (newPin) => p.C_SetPIN(buf(o.session), oldPin, newPin)),
      );
    case 'find': {
      const s = buf(o.session);
      p.C_FindObjectsInit(s, attrs(o.template));
      try {
        return p.C_FindObjects(s, o.max);
      } finally {
        p.C_FindObjectsFinal(s);
      }
    }
    case 'getAttributes':
      return getAttributes(p, buf(o.session), buf(o.handle), o.types);
    case 'sign':
      p.C_SignInit(buf(o.session), mech(o.mech), buf(o.key));
      return second(() =>
        p.C_Sign(buf(o.session), input(o.data, o.prehash), Buffer.alloc(o.outLen)),
      );
    case 'verify':
      p.C_VerifyInit(buf(o.session), mech(o.mech), buf(o.key));
      try {
        return p.C_Verify(buf(o.session), input(o.data, o.prehash), buf(o.signature));
      } catch (e) {
        const { ckr } = toWireError(e);
        if (ckr === 'CKR_SIGNATURE_INVALID' || ckr === 'CKR_SIGNATURE_LEN_RANGE') return false;
        throw new Tainted(e);
      }
    case 'encrypt': {
      const m = mech(o.mech);
      p.C_EncryptInit(buf(o.session), m, buf(o.key));
      const ciphertext = second(() =>
        p.C_Encrypt(buf(o.session), buf(o.data), Buffer.alloc(o.outLen)),
      );
      if (!o.returnIv) return ciphertext;
      // pkcs11js gives the module a pointer into this very Buffer (params.cpp,
      // read_property_bytes: no copy), so an IV the module wrote into pIv is visible here.
      const iv = (m.parameter as { iv?: Buffer } | undefined)?.iv;
      return { ciphertext, iv: iv ? Uint8Array.from(iv) : undefined };
    }
    case 'decrypt':
      p.C_DecryptInit(buf(o.session), mech(o.mech), buf(o.key));
      return second(() => p.C_Decrypt(buf(o.session), buf(o.data), Buffer.alloc(o.outLen)));
    case 'generateKey':
      return p.C_GenerateKey(buf(o.session), mech(o.mech), attrs(o.template));
    case 'generateKeyPair':
      return p.C_GenerateKeyPair(
        buf(o.session),
        mech(o.mech),
        attrs(o.publicTemplate),
        attrs(o.privateTemplate),
      );
    case 'wrap':
      return p.C_WrapKey(
        buf(o.session),
        mech(o.mech),
        buf(o.wrappingKey),
        buf(o.key),
        Buffer.alloc(16384),
      );
    case 'unwrap':
      return p.C_UnwrapKey(
        buf(o.session),
        mech(o.mech),
        buf(o.unwrappingKey),
        buf(o.wrapped),
        attrs(o.template),
      );
    case 'createObject': {
      // Key bytes arrive separately, moved rather than copied, and are zeroed once the module has them.
      const template = attrs(o.template);
      if (o.secretValue) template.push({ type: pkcs11js.CKA_VALUE, value: buf(o.secretValue) });
      try {
        return p.C_CreateObject(buf(o.session), template);
      } finally {
        o.secretValue?.fill(0); // deliberate: the worker owns the key bytes it was moved
      }
    }
    case 'destroy':
      return p.C_DestroyObject(buf(o.session), buf(o.handle));
    case 'setAttributes':
      return p.C_SetAttributeValue(buf(o.session), buf(o.handle), attrs(o.template));
    case 'wrapEphemeral':
      return wrapEphemeral(p, o);
    case 'unwrapChain':
      return unwrapChain(p, o);
    case 'finalize':
      return p.C_Finalize();
  }
}

/** A Buffer may view a large pooled ArrayBuffer; cloning it would copy the whole pool. */
function compact(v: unknown): unknown {
  if (v instanceof Uint8Array) return v.byteLength === v.buffer.byteLength ? v : new Uint8Array(v);
  if (Array.isArray(v)) return v.map(compact);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = compact(x);
    return out;
  }
  return v;
}

/** A loaded, initialised module, or why it is not. */
export interface OpsHost {
  p11: PKCS11 | null;
  initError: WireError | null;
}

export function loadModule(init: WorkerInit): OpsHost {
  try {
    return { p11: open(init), initError: null };
  } catch (e) {
    return { p11: null, initError: toWireError(e) };
  }
}

/** Runs a batch of requests one after another; `compact` keeps clones small on a thread hop. */
export function serveBatch(host: OpsHost, batch: Request[], compactValues = true): Reply[] {
  return batch.map(({ id, body }) => {
    if (!host.p11)
      return { id, ok: false, error: host.initError ?? { message: 'PKCS#11 module not loaded' } };
    try {
      const v = run(host.p11, body);
      return { id, ok: true, value: compactValues ? compact(v) : v };
    } catch (e) {
      const error = toWireError(e);
      if (e instanceof Tainted) error.tainted = true;
      return { id, ok: false, error };
    }
  });
}
