// How domain code gets a token: through a TokenOpener it is handed, never through Pkcs11Provider
// itself. The service (or a test) may hand another implementation — one that fails on demand,
// or later an HSM group — and the ceremony code does not change. The default opens the PKCS#11
// module directly.
import { Pkcs11Provider } from './pkcs11/provider';
import type { Pkcs11ProviderOptions } from './pkcs11/provider-core';
import type { TokenProvider } from './provider';

export type TokenOpenOptions = Pick<Pkcs11ProviderOptions, 'modulePath' | 'initArgs' | 'token'>;
export type TokenOpener = (options: TokenOpenOptions) => Promise<TokenProvider>;

export const openPkcs11Token: TokenOpener = (options) => Pkcs11Provider.open(options);
