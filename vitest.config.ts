import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'e2e/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // swtpm instances and pairings are CPU-bound: two cores here.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
