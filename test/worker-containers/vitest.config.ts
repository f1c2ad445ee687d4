import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_ADMIN_TOKEN, TEST_SECRETS_KEY } from "../helpers/test-admin-token.ts";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Sessions on their own containers (KIRO_RUNNER_URL empty), as in a deployment: the Worker from
 * test/worker-containers/entry.ts, whose KiroContainer runs on a fake platform (fake-container.ts)
 * backed by real runner processes (global-setup.ts).
 */
export default defineConfig({
  root,
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: path.join(root, "test/worker-containers/entry.ts"),
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        bindings: {
          KIRO_RUNNER_URL: "",
          KIRO_RUNNER_SECRET: "container-tests-master-secret-0123456789abcdef",
          CONTAINER_HOST_URL: inject("containerHostUrl"),
          KIRO_API_KEY: "",
          KIRO_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          KIRO_SECRETS_KEY: TEST_SECRETS_KEY,
          KIRO_MAX_SESSIONS: "1000",
          KIRO_MAX_RUNNING_TASKS: "100",
        },
      },
    })),
  ],
  test: {
    name: "workers-containers",
    silent: "passed-only",
    include: ["test/worker-containers/**/*.test.ts"],
    globalSetup: ["test/worker-containers/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One runner isolate for both files, as in test/helpers/workers-project.ts.
    isolate: false,
  },
});
