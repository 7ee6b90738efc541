import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

// Container tests need built images and an engine (scripts/e2e-containers.sh provides both);
// the default suite's include (`*/test/**`) leaves them out on purpose.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['e2e/containers/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
  },
});
