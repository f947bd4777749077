// Prints one plain closing line, "tests: N passed, N failed, N skipped", that CI reads.
// `npm test` runs two vitest configurations (unit + integration, then the browser tests); with
// OLOCUS_TEST_TALLY naming a file, each run records its counts there under its label and the
// last line printed is the total over both, so the closing line always covers the whole suite.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const line = (c: Counts, label = '') =>
  `tests${label}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped\n`;

export default class SummaryReporter implements Reporter {
  /** `first: true` starts a fresh tally (the first configuration `npm test` runs). */
  constructor(private readonly options: { label?: string; first?: boolean } = {}) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (mod.state() === 'failed' && mod.children.size === 0) counts.failed++;
    }
    const tally = process.env['OLOCUS_TEST_TALLY'];
    const label = this.options.label ?? 'tests';
    if (!tally) {
      process.stdout.write(`\n${line(counts)}`);
      return;
    }
    let runs: Record<string, Counts> = {};
    if (!this.options.first) {
      try {
        runs = JSON.parse(readFileSync(tally, 'utf8')) as Record<string, Counts>;
      } catch {
        runs = {};
      }
    }
    runs[label] = counts;
    mkdirSync(dirname(tally), { recursive: true });
    writeFileSync(tally, JSON.stringify(runs));
    const total = Object.values(runs).reduce<Counts>(
      (t, c) => ({
        passed: t.passed + c.passed,
        failed: t.failed + c.failed,
        skipped: t.skipped + c.skipped,
      }),
      { passed: 0, failed: 0, skipped: 0 },
    );
    process.stdout.write(`\n${line(counts, ` (${label})`)}`);
    // Over every run recorded so far; after the browser tests, the whole suite.
    process.stdout.write(line(total));
  }
}
