// What a ceremony run needs of report/ (ceremony/run/finish.ts RunReporting): the service hands
// this to the run, because ceremony/ sits below report/ and may not import it.
import type { RunReporting } from '../ceremony/run/finish';
import { buildReport } from './build';
import { prepareReportSigner } from './sign/report-signer';

export const runReporting: RunReporting = {
  async prepare(hsm, options) {
    const signer = await prepareReportSigner(hsm, options);
    return {
      record: signer.record,
      build: async () => (await buildReport(options.runDir, { signer, now: options.now })).pdf,
    };
  },
};
