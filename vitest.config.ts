import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests have their own config (vitest.e2e.config.ts, npm run test:e2e).
    exclude: ['test/scratch/**', 'test/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // SoftHSM tokens live under one temp dir per worker; forks keep native modules isolated.
    pool: 'forks',
    reporters: [
      'default',
      ['./test/helpers/summary-reporter.ts', { label: 'unit+integration', first: true }],
    ],
  },
});
