// Node 20 has WebCrypto as globals (globalThis.crypto, CryptoKey), but @types/node 20 names its
// types only under node:crypto's `webcrypto`. The Node-side project has no DOM lib (so main code
// cannot use browser globals by accident); these aliases give back exactly the WebCrypto names
// Node itself provides, nothing of the DOM.
import type { webcrypto } from 'node:crypto';

declare global {
  type Crypto = webcrypto.Crypto;
  type CryptoKey = webcrypto.CryptoKey;
  type CryptoKeyPair = webcrypto.CryptoKeyPair;
  type JsonWebKey = webcrypto.JsonWebKey;
  type BufferSource = webcrypto.BufferSource;
}

export {};
