// The CeremonyService facade and the shapes it returns.
export { CeremonyService } from './ceremony-service';
export { usableKeyUri } from './keys';
export type { CeremonyServiceOptions } from './ceremony-service';
export { parsePkcs11Address } from './connections';
export type * from './types';
export { describeRetry, onHsmRetry } from '../hsm/pkcs11/retry';
export type { RetryEvent } from '../hsm/pkcs11/retry';
