// runCeremony as the service calls it: with the report-making the service hands every run
// (ceremony/ may not import report/, so the engine takes it as a parameter).
import { runCeremony as engineRun } from '../../src/main/ceremony/run/engine';
import type { RunOptions } from '../../src/main/ceremony/run/engine';
import type { RunSummary } from '../../src/main/ceremony/run/finish';
import { runReporting } from '../../src/main/report/run-reporting';

export function runCeremony(o: Omit<RunOptions, 'reporting'>): Promise<RunSummary> {
  return engineRun({ reporting: runReporting, ...o });
}
