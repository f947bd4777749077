// The CeremonyService facade and the shapes it returns.
export { CeremonyService, usableKeyUri } from './ceremony-service';
export type { CeremonyServiceOptions } from './ceremony-service';
export { parsePkcs11Address } from './connections';
export type * from './types';
export { describeRetry, onHsmRetry } from '../hsm/pkcs11/retry';
export type { RetryEvent } from '../hsm/pkcs11/retry';
