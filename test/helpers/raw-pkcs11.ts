// A second PKCS#11 client in the test process (raw pkcs11js, main thread): it plays a token that
// drops sessions. Open a provider on the module first and keep it open, so the library is
// initialised once and stays so.
import { createRequire } from 'node:module';
import type * as Pkcs11Types from 'pkcs11js';

export const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Types;
export type RawPkcs11 = InstanceType<typeof pkcs11js.PKCS11>;

export function rawClient(
  modulePath: string,
  tokenLabel: string,
): { raw: RawPkcs11; slot: Buffer } {
  const raw = new pkcs11js.PKCS11();
  raw.load(modulePath);
  try {
    raw.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch {
    /* the provider's thread initialised the library already */
  }
  const slot = raw
    .C_GetSlotList(true)
    .find((s) => raw.C_GetTokenInfo(s).label.trim() === tokenLabel)!;
  return { raw, slot };
}
