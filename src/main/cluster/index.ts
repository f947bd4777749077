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
export type { MemberProvider, MemberState } from './members';
export { openMemberProcess, setMemberHostEntry } from './member-process';
export type { MemberProcess, MemberProcessOptions } from './member-process';
export { keyFingerprint } from './key-proof';
export type { KeyFingerprint } from './key-proof';
export { BatchSigner } from './batcher';
export type { BatchLimits } from './batcher';
export { inputsFromDir, inputsFromList, inputsFromPinned, parseFileList } from './batch-inputs';
export type { BatchInput } from './batch-inputs';
export { JOURNAL } from './batch-journal';
export { MANIFEST, MANIFEST_FORMAT, defaultAlgorithm, signBatch } from './sign-batch';
export type { BatchProgress, BatchResult, SignBatchOptions } from './sign-batch';
