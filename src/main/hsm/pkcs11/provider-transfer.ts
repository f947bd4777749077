// What key migration needs from a token beyond the HsmProvider interface (see src/main/transfer).
import { randomBytes } from 'node:crypto';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import type { GenerateOptions, KeyInfo, KeySelector, KeyType } from '../types';
import { P } from './constants';
import { Pkcs11CallError } from './executor';
import { describeSelector } from './keys';
import { describeKey, spkiOf } from './inventory';
import { wrapMech } from './mechanisms';
import type { Mech } from './protocol';
import type { Handle } from './protocol';
import { detectVendor } from '../vendors';
import type { VendorProfile } from '../vendors';
import { KEY_SPECS, coordinateBytes } from './keytypes';
import type { WrapAlgorithm } from '../types';
import { resolveKwp } from './kwp-resolve';
import { resolveMechanism } from './mechanism-resolve';
import type { AbstractMechanism, ResolvedMechanism } from './mechanism-resolve';
import type { KwpProbe, ResolvedKwp } from './kwp-resolve';
import type { KeyUsage } from './templates';
import { publicKeyImportTemplate, secretKeyTemplate, unwrapTemplate } from './templates';
import { describeToken } from './token';
import { IDEMPOTENT, exactCacheKey } from './provider-core';
import { Pkcs11KeyStore } from './provider-keys';

/** Resolved RFC 5649 numbers per module path, token serial and direction (wrap / unwrap). */
const kwpCache = new Map<string, Promise<ResolvedKwp>>();

export abstract class Pkcs11TransferSupport extends Pkcs11KeyStore {
  /**
   * Wraps `key` under `kek` with `mechanism` using two session objects made from the given
   * values, destroyed before returning; null when the module refuses to make or use them.
   */
  kwpProbe(): KwpProbe {
    return (mechanism, kek, key) =>
      this.run('probing the AES key-wrap mechanism', IDEMPOTENT, async (s) => {
        const base = (wrap: boolean) => [
          { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
          { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
          { type: P.CKA_TOKEN, value: false },
          { type: P.CKA_WRAP, value: wrap },
          { type: P.CKA_EXTRACTABLE, value: !wrap },
        ];
        const made: Handle[] = [];
        try {
          for (const [value, wrap] of [
            [kek, true],
            [key, false],
          ] as const)
            made.push(
              await this.ex.call<Handle>({
                op: 'createObject',
                session: s,
                template: base(wrap),
                secretValue: value,
              }),
            );
          return await this.ex.call<Uint8Array>({
            op: 'wrap',
            session: s,
            mech: { mechanism },
            wrappingKey: made[0]!,
            key: made[1]!,
          });
        } catch (e) {
          if (e instanceof Pkcs11CallError) return null;
          throw e;
        } finally {
          for (const h of made)
            await this.ex.call({ op: 'destroy', session: s, handle: h }).catch(() => undefined);
        }
      });
  }
  /** The vendor profile of this module, with a site's corrections (vendors.ts, vendor-site.ts). */
  async vendor(): Promise<VendorProfile | null> {
    const [info, token] = await Promise.all([this.info(), this.tokenInfo()]);
    return detectVendor({
      libraryManufacturer: info.manufacturer,
      libraryDescription: info.description,
      tokenManufacturer: token.manufacturer,
      tokenModel: token.model,
    });
  }
  /** The number that means RFC 5649 on this token for wrapping or unwrapping (see kwp-resolve.ts). */
  async resolvedKwp(role: 'wrap' | 'unwrap'): Promise<ResolvedKwp> {
    const [info, token, vendor] = await Promise.all([this.info(), this.tokenInfo(), this.vendor()]);
    // A site quirk file (vendor-site.ts) changes the answer, so it is part of the key.
    const cacheKey = `${info.path}\0${token.serial}\0${token.label}\0${role}\0${vendor?.siteQuirks ?? ''}`;
    let hit = kwpCache.get(cacheKey);
    if (!hit) {
      const t = await this.token();
      hit = resolveKwp(
        t.mechs,
        vendor,
        role === 'wrap' ? P.CKF_WRAP : P.CKF_UNWRAP,
        t.name,
        this.kwpProbe(),
      );
      kwpCache.set(cacheKey, hit);
      hit.catch(() => kwpCache.delete(cacheKey));
    }
    return hit;
  }
  /**
   * The number this token needs for an abstract mechanism (OAEP with its hash, RSA-AES key wrap,
   * ECDSA hashed or raw, EdDSA), or error 104 naming what it lacks and offers; RFC 5649 is
   * resolvedKwp. See mechanism-resolve.ts.
   */
  async resolveMechanism(
    abstract: AbstractMechanism,
    role: 'sign' | 'wrap' | 'unwrap',
  ): Promise<ResolvedMechanism> {
    const [vendor, t] = await Promise.all([this.vendor(), this.token()]);
    const flag = { sign: P.CKF_SIGN, wrap: P.CKF_WRAP, unwrap: P.CKF_UNWRAP }[role];
    return resolveMechanism(abstract, t.mechs, vendor, flag, t.name);
  }
  /** wrapMech with the token's own RFC 5649 number for 'aes-kwp'. */
  protected async tokenWrapMech(alg: WrapAlgorithm, role: 'wrap' | 'unwrap'): Promise<Mech> {
    if (alg !== 'aes-kwp') return wrapMech(alg);
    return { mechanism: (await this.resolvedKwp(role)).mechanism };
  }
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
    const inner = await this.tokenWrapMech('aes-kwp', 'wrap');
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
          inner,
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
    const kwp = await this.tokenWrapMech('aes-kwp', 'unwrap');
    const pointAttr = (await this.vendor())?.quirks.ecUnwrapPublicPoint;
    return this.run(`unwrapping key "${target.label}"`, false, async (s, t) => {
      await this.claimLabel(s, t, target.label);
      try {
        const id = target.id ?? randomBytes(16);
        const kek = await this.key(s, t, unwrappingKey, oaep ? ['private'] : ['secret']);
        const template = unwrapTemplate(target.type, target.class, { ...target, id });
        if (pointAttr !== undefined && target.type.startsWith('ec') && target.publicKey) {
          // The uncompressed point ends the SPKI (04 || X || Y).
          const n = 1 + 2 * coordinateBytes(KEY_SPECS[target.type]);
          const spki = target.publicKey;
          template.push({ type: pointAttr, value: Buffer.from(spki.subarray(spki.length - n)) });
        }
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
            mech: kwp,
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
}
