// The key types the product offers, shared by the main process and the IPC contract.
export const KEY_TYPES = [
  'ec-p256',
  'ec-p384',
  'ec-p521',
  'ec-secp256k1',
  'ed25519',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'aes-128',
  'aes-256',
] as const;
export type KeyType = (typeof KEY_TYPES)[number];
