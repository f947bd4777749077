// The PKCS#11 provider: any conforming module, any token, through a session pool whose
// operations run on worker threads. This class adds the cryptographic operations to the layers
// below it (provider-core, provider-keys, provider-transfer).
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { HsmProvider } from '../provider';
import type {
  CipherAlgorithm,
  GenerateOptions,
  KeyInfo,
  KeySelector,
  KeyType,
  SignAlgorithm,
  SignResult,
  WrapAlgorithm,
} from '../types';
import { P } from './constants';
import { KEY_SPECS } from './keytypes';
import { describeSelector } from './keys';
import { cipherMech } from './mechanisms';
import { acquireModule } from './module';
import type { Handle } from './protocol';
import type { Bound } from './provider-core';
import type { KeyUsage } from './templates';
import { unwrapTemplate } from './templates';
import { IDEMPOTENT } from './provider-core';
import type { Pkcs11ProviderOptions } from './provider-core';
import { Pkcs11TransferSupport } from './provider-transfer';

/** 96 bits: the IV length SP 800-38D recommends and CloudHSM generates. */
const GCM_IV_BYTES = 12;

export type { Pkcs11GenerateOptions, Pkcs11ProviderOptions } from './provider-core';

export class Pkcs11Provider extends Pkcs11TransferSupport implements HsmProvider {
  static async open(options: Pkcs11ProviderOptions): Promise<Pkcs11Provider> {
    const mod = await acquireModule(options.modulePath, options.initArgs, options.threads);
    return new Pkcs11Provider(mod, options);
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
          if (alg === 'aes-gcm') return this.encryptGcm(t, s, k.handle, data, outLen);
          const iv = alg === 'aes-cbc-pad' ? randomBytes(16) : undefined;
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
  /**
   * AES-GCM with the IV rules of the module (docs/vendors.md, `gcmIv`). The result carries the IV
   * the module actually used: the one Olocus sent, or, where the module writes its own into
   * CK_GCM_PARAMS.pIv (AWS CloudHSM), the one it wrote. A module whose profile says it generates
   * the IV gets a zeroed buffer, and writing nothing back is refused: the ciphertext could never
   * be decrypted.
   */
  private async encryptGcm(
    t: Bound,
    s: Handle,
    key: Handle,
    data: Uint8Array,
    outLen: number,
  ): Promise<{ ciphertext: Uint8Array; iv: Uint8Array; algorithm: CipherAlgorithm }> {
    const vendor = await this.vendor();
    const moduleIv = vendor?.quirks.gcmIv === 'module-generated';
    const sent = moduleIv ? Buffer.alloc(GCM_IV_BYTES) : randomBytes(GCM_IV_BYTES);
    const r = await this.withMechanism(t, 'aes-gcm', () =>
      this.ex.call<{ ciphertext: Uint8Array; iv?: Uint8Array }>({
        op: 'encrypt',
        session: s,
        mech: cipherMech('aes-gcm', sent),
        key,
        data,
        outLen,
        returnIv: true,
      }),
    );
    const used = r.iv && r.iv.length === GCM_IV_BYTES ? r.iv : sent;
    if (moduleIv && used.every((b) => b === 0))
      throw new OlocusError(
        ErrorCode.MECHANISM_UNSUPPORTED,
        `The ${vendor!.name} profile${vendor!.siteQuirks ? ` (as corrected by ${vendor!.siteQuirks})` : ''} says ${t.name} generates the AES-GCM IV and writes it into CK_GCM_PARAMS.pIv, but it wrote none back, so the ciphertext is discarded: it could not be decrypted.`,
      );
    return { ciphertext: r.ciphertext, iv: used, algorithm: 'aes-gcm' };
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
    const mech = await this.tokenWrapMech(algorithm, 'wrap');
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
          mech,
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
    const mech = await this.tokenWrapMech(algorithm, 'unwrap');
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
            mech,
            unwrappingKey: kek.handle,
            wrapped,
            template,
          }),
        );
        const [key] = await this.checkNewKey(s, t, [handle], target.extractable ?? false);
        // The template said what the key is; a module that reports no size keeps that answer.
        key!.spec ??= KEY_SPECS[target.type];
        return t.reader.describe(s, key!);
      } finally {
        this.labelsInUse.delete(target.label);
      }
    });
  }
}
