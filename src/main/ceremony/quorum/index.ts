// The M-of-N quorum layer: split a secret among custodians, carry shares as cards, text and QR,
// check them against the ledger, reconstruct, and drill.
export { QuorumError, isQuorumError } from './errors';
export type {
  SecretCommitment,
  ShareEnvelope,
  ShareExpectation,
  SplitOptions,
  SplitResult,
} from './types';
export { checkShare, combineShares, splitSecret, wipeShares } from './shares';
export type { CombineOptions } from './shares';
export { formatFingerprint, shareCommitment, verifySecretCommitment } from './commitments';
export { decodeEnvelope, encodeEnvelope } from './binary';
export {
  MAX_SHARE_TEXT,
  QR_PREFIX,
  fromQrPayload,
  parseShareText,
  shareTextLines,
  toQrPayload,
  toShareText,
} from './encoding';
export type { ShareTextLine } from './encoding';
export {
  MIN_PASSPHRASE_CHARS,
  protectEnvelope,
  protectShare,
  unprotectEnvelope,
  unprotectShare,
} from './passphrase';
export type { Passphrase } from './passphrase';
export { decodeShare } from './decode-share';
export type { PassphraseSource } from './decode-share';
export { renderShareCard } from './cards';
export type { ShareCardOptions } from './cards';
export { drillShares } from './drill';
export type { CustodianDrillResult, DrillOptions, DrillReport } from './drill';
