// The attestation module's public face: what the CLI, the service and the report use.
export { buildVerdict, overallOf, verdictExitCode } from './verdict';
export type { AttestationVerdict, CheckStatus, VerdictCheck, VerdictSubject } from './verdict';
export { formatVerdict } from './format';
export { provenanceVerdict, provenanceChecks } from './provenance';
export type { KeyProvenanceOptions, ProvenanceOptions } from './provenance';
export { verifyMarvellAttestation, MARVELL_VENDOR } from './marvell/verify';
export type { MarvellVerifyInput } from './marvell/verify';
export type { AttestationTime } from './marvell/chains';
export {
  decodeAttestationFile,
  fromKmsKeyVersion,
  readSpki,
  splitMarvellBundle,
} from './marvell/inputs';
export { pinnedMarvellRoots } from './marvell/roots';
export type { MarvellRoots, PinnedRoot } from './marvell/roots';
export { verifyCloudHsmIdentity, AWS_VENDOR } from './aws/cluster-identity';
export type {
  CloudHsmClusterCertificates,
  CloudHsmIdentityOptions,
  CloudHsmRoots,
} from './aws/cluster-identity';
export { pinnedCloudHsmRoots } from './aws/roots';
export { verifyYubiHsmAttestation, YUBIHSM_VENDOR } from './yubihsm/verify';
export type { YubiHsmAttestationInput } from './yubihsm/verify';
