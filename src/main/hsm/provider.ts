import type {
  CipherAlgorithm,
  GenerateOptions,
  HealthReport,
  KeyInfo,
  KeySelector,
  KeyType,
  ModuleInfo,
  SignAlgorithm,
  SignResult,
  TokenInfo,
  WrapAlgorithm,
} from './types';
import type { Pkcs11Provider } from './pkcs11/provider';

/**
 * What a PKCS#11 token offers the service (Pkcs11Provider implements it). The cloud providers do
 * not implement it: Azure vaults, Google import jobs and AWS clusters differ in kind, and the
 * service reaches them through hsm/azure, hsm/gcp and hsm/aws. All methods are async: the main
 * process never blocks.
 */
export interface HsmProvider {
  readonly kind: string;
  info(): Promise<ModuleInfo>;
  listTokens(options?: { mechanisms?: boolean }): Promise<TokenInfo[]>;
  listKeys(filter?: KeySelector): Promise<KeyInfo[]>;
  generateKey(type: KeyType, options: GenerateOptions): Promise<KeyInfo>;
  generateKeyPair(
    type: KeyType,
    options: GenerateOptions,
  ): Promise<{ privateKey: KeyInfo; publicKey: KeyInfo }>;
  sign(key: KeySelector, data: Uint8Array, algorithm?: SignAlgorithm): Promise<SignResult>;
  verify(
    key: KeySelector,
    data: Uint8Array,
    signature: Uint8Array,
    algorithm?: SignAlgorithm,
  ): Promise<boolean>;
  encrypt(
    key: KeySelector,
    data: Uint8Array,
    algorithm?: CipherAlgorithm,
  ): Promise<{ ciphertext: Uint8Array; iv?: Uint8Array; algorithm: CipherAlgorithm }>;
  decrypt(
    key: KeySelector,
    ciphertext: Uint8Array,
    algorithm: CipherAlgorithm,
    iv?: Uint8Array,
  ): Promise<Uint8Array>;
  wrapKey(
    wrappingKey: KeySelector,
    key: KeySelector,
    algorithm: WrapAlgorithm,
  ): Promise<Uint8Array>;
  unwrapKey(
    unwrappingKey: KeySelector,
    wrapped: Uint8Array,
    algorithm: WrapAlgorithm,
    target: { type: KeyType; class: 'private' | 'secret' } & GenerateOptions,
  ): Promise<KeyInfo>;
  destroyKey(key: KeySelector): Promise<number>;
  getAttributes(key: KeySelector): Promise<KeyInfo>;
  /** DER SubjectPublicKeyInfo of an asymmetric key. */
  publicKey(key: KeySelector): Promise<Uint8Array>;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/**
 * A PKCS#11 token as the domains (ceremony, transfer, report) use it: HsmProvider plus the
 * token-level operations PKCS#11 adds (login, keys with their public keys, check values, the
 * transfer wraps). It is the public surface of Pkcs11Provider, structurally: code that takes a
 * TokenProvider does not depend on the concrete class, and a test may hand in any object of this
 * shape (a wrapper that fails on demand, say). Only hsm/ and the places that open a token name
 * Pkcs11Provider itself.
 */
export type TokenProvider = { [K in keyof Pkcs11Provider]: Pkcs11Provider[K] };
