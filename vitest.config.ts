import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files attached to a failed test's report (e2e screenshots, app logs) stay out of the tree.
    attachmentsDir: '.test-results/attachments',
    // swtpm instances and pairings are CPU-bound: two cores here.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
