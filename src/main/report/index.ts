// The signed ceremony report: build it from a run directory, verify a report PDF or a run's
// manifest offline. No Electron anywhere below this line.
export { buildReport, type BuildReportOptions, type BuiltReport } from './build';
export {
  renderReport,
  evidenceAttachments,
  type RenderOptions,
  type RenderedReport,
} from './compose';
export { INFO_KEYS, LEDGER_ATTACHMENT, XMP_NS } from './format';
export { buildModel, type ReportModel } from './model/report-model';
export { readRunEvidence, type RunEvidence } from './model/run-evidence';
export {
  prepareReportSigner,
  reportKeyLabel,
  softwareReportSigner,
  type ReportHsm,
  type ReportSigner,
} from './sign/report-signer';
export {
  verifyReport,
  type ReportVerifyOptions,
  type ReportCheck,
  type ReportFailure,
  type ReportVerification,
} from './verify/verify-report';
export {
  verifyManifest,
  type ManifestCheck,
  type ManifestVerification,
} from './verify/verify-manifest';
export {
  verifyAuditTarget,
  type AuditAnchor,
  type AuditTargetOptions,
  type AuditVerification,
} from './verify/verify-audit-target';
