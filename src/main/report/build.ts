// buildReport: a finished (or stopped) run directory in, the signed report PDF out. Nothing here
// needs Electron; the CLI, the service and the benchmark call the same function.
import { evidenceAttachments, renderReport } from './compose';
import { buildModel } from './model/report-model';
import { readRunEvidence } from './model/run-evidence';
import type { ReportSigner } from './sign/report-signer';

export interface BuildReportOptions {
  /** From prepareReportSigner (HSM key, the product's path) or softwareReportSigner (tests). */
  signer: ReportSigner;
  now?: () => Date;
  reportId?: string;
  /** Attach transcript.json, script.yaml and certificates/*.pem beside the ledger (default on). */
  attachEvidence?: boolean;
  /** Keep every string drawn (benchmark only). */
  collectText?: boolean;
}

export interface BuiltReport {
  pdf: Uint8Array;
  pages: number;
  reportId: string;
  ledgerHead: string;
  ledgerRecords: number;
  /** True when the embedded ledger verified while the report was built. */
  ledgerVerified: boolean;
  signer: ReportSigner['record'];
  drawn: string[] | null;
}

export async function buildReport(
  runDir: string,
  options: BuildReportOptions,
): Promise<BuiltReport> {
  const evidence = await readRunEvidence(runDir);
  const model = buildModel(evidence, options.signer, {
    generatedAt: (options.now ?? (() => new Date()))(),
    ...(options.reportId ? { reportId: options.reportId } : {}),
  });
  const rendered = await renderReport(model, {
    collectText: options.collectText ?? false,
    attachments: options.attachEvidence === false ? [] : await evidenceAttachments(runDir),
  });
  return {
    pdf: rendered.pdf,
    pages: rendered.pages,
    reportId: model.reportId,
    ledgerHead: model.head,
    ledgerRecords: evidence.records.length,
    ledgerVerified: evidence.verification.ok,
    signer: options.signer.record,
    drawn: rendered.drawn,
  };
}
