import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      "test/worker/vitest.config.ts",
      "test/worker-auth/vitest.config.ts",
      "test/worker-headless/vitest.config.ts",
      "test/worker-limits/vitest.config.ts",
      "test/worker-shared-key/vitest.config.ts",
      "test/worker-github/vitest.config.ts",
      "test/worker-containers/vitest.config.ts",
      "test/e2e/vitest.config.ts",
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
    ],
  },
});
