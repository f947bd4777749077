// What every provider operation needs beyond the core (provider-core.ts): logging in and out,
// finding keys (cached), claiming labels for new keys and checking them, and sign plans.
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { KeyClass, KeySelector, SignAlgorithm } from '../types';
import { P } from './constants';
import { Pkcs11CallError } from './executor';
import { mapPkcs11Error } from './errors';
import type { FoundKey } from './keys';
import { describeSelector } from './keys';
import type { KeySpec } from './keytypes';
import { signPlan } from './mechanisms';
import type { SignPlan } from './mechanisms';
import type { Handle } from './protocol';
import { Pkcs11ProviderCore } from './provider-core';
import type { Bound } from './provider-core';

export abstract class Pkcs11ProviderSupport extends Pkcs11ProviderCore {
  /**
   * Logs in for every session of this application on the token. Takes ownership of `pin` and
   * zeroes it; the worker gets its own copy, moved rather than cloned.
   */
  async login(pin: Uint8Array, user: 'user' | 'so' = 'user'): Promise<void> {
    const copy = new Uint8Array(pin);
    pin.fill(0); // deliberate: the provider owns PIN buffers it is given
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
      if (copy.byteLength > 0) copy.fill(0); // deliberate: a send that failed left it here
    }
  }
  /** Sets the user PIN while logged in as Security Officer (token initialisation). Zeroes `pin`. */
  async initUserPin(pin: Uint8Array): Promise<void> {
    const copy = new Uint8Array(pin);
    pin.fill(0); // deliberate: the provider owns PIN buffers it is given
    const t = await this.token();
    try {
      await t.pool.use(
        (session) => this.ex.call({ op: 'initPin', session, pin: copy }, [copy.buffer]),
        false,
      );
    } catch (e) {
      throw mapPkcs11Error(e, t.name, 'setting the user PIN');
    } finally {
      if (copy.byteLength > 0) copy.fill(0); // deliberate: a send that failed left it here
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
  protected async key(
    s: Handle,
    t: Bound,
    sel: KeySelector,
    classes: KeyClass[],
  ): Promise<FoundKey> {
    const cacheKey = `${sel.class ?? classes.join('/')}|${sel.label ?? ''}|${sel.id ? Buffer.from(sel.id).toString('hex') : ''}`;
    const hit = this.keyCache.get(cacheKey);
    if (hit) return hit;
    const found = await t.reader.resolve(s, sel, classes);
    this.keyCache.set(cacheKey, found);
    return found;
  }
  protected requireSpec(k: FoundKey, sel: KeySelector): KeySpec {
    if (!k.spec)
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `The ${describeSelector(sel)} is of a type this tool does not handle.`,
      );
    return k.spec;
  }
  /** Reserves a label for a new key; the caller releases it when the key exists or failed. */
  protected async claimLabel(s: Handle, t: Bound, label: string): Promise<void> {
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
  protected async checkNewKey(
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
  protected plan(t: Bound, alg: SignAlgorithm, spec: KeySpec, flag: number): SignPlan {
    const k = `${alg}|${spec.type}|${flag}`;
    let p = this.planCache.get(k);
    if (!p) {
      p = signPlan(alg, spec, t.mechs, flag, t.name);
      this.planCache.set(k, p);
    }
    return p;
  }
  /**
   * Modules answer a parameter they do not implement (e.g. OAEP with SHA-256 on SoftHSM) with
   * CKR_MECHANISM_PARAM_INVALID or, less helpfully, CKR_ARGUMENTS_BAD: both mean "unsupported".
   */
  protected async withMechanism<T>(t: Bound, alg: string, fn: () => Promise<T>): Promise<T> {
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
}
