// Two fresh SoftHSM tokens, both made before the first provider opens (SoftHSM sees only the
// tokens that exist when it initialises), each opened and logged in: a transfer's two sides.
import { Pkcs11Provider } from '../../src/main/hsm/pkcs11/provider';
import { createToken, pin, SOFTHSM_MODULE } from './softhsm';
import type { TestToken } from './softhsm';

export interface TokenPair {
  src: TestToken;
  dst: TestToken;
  /** Opened and logged in by `open()`. */
  source: Pkcs11Provider;
  target: Pkcs11Provider;
  open(): Promise<void>;
  close(): Promise<void>;
}

/** Creates the tokens `${prefix}-src` and `${prefix}-dst` now; `open()` in beforeAll. */
export function tokenPair(prefix: string): TokenPair {
  const src = createToken(`${prefix}-src`);
  const dst = createToken(`${prefix}-dst`);
  const loggedIn = async (t: TestToken) => {
    const p = await Pkcs11Provider.open({ modulePath: SOFTHSM_MODULE, token: { token: t.label } });
    await p.login(pin(t.userPin));
    return p;
  };
  const pair: TokenPair = {
    src,
    dst,
    source: undefined as unknown as Pkcs11Provider,
    target: undefined as unknown as Pkcs11Provider,
    async open() {
      pair.source = await loggedIn(src);
      pair.target = await loggedIn(dst);
    },
    async close() {
      await pair.source?.close();
      await pair.target?.close();
    },
  };
  return pair;
}
