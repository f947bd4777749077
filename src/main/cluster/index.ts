// HSM groups: several tokens holding the same key used as one signer, with failover, recovery,
// load balancing and batch signing (docs/cluster.md).
export { HsmGroup } from './group';
export type {
  FailoverPolicy,
  GroupEvent,
  GroupLedger,
  GroupOptions,
  GroupSignResult,
  MemberReport,
  Strategy,
} from './group';
export type { MemberState } from './members';
export { keyFingerprint } from './key-proof';
export type { KeyFingerprint } from './key-proof';
