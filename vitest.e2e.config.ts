import { defineConfig } from 'vitest/config';

// The browser tests: headless Debian Chromium against the bridge on a fresh SoftHSM. One file at
// a time in one forked worker (each starts a browser and a token store; two cores are shared),
// with timeouts sized for a whole ceremony driven through the UI.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    exclude: ['test/scratch/**', 'node_modules/**'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    reporters: ['default', ['./test/helpers/summary-reporter.ts', { label: 'e2e' }]],
  },
});
