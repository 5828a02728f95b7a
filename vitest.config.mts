import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Emulator-backed suites start their own servers on free loopback ports; 2 workers fit a 2-core box.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
