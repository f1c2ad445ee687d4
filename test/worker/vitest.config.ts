import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

/** The Worker and its Durable Objects in workerd, against the real runner from global setup. */
export default defineConfig({
  root,
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        bindings: {
          KIRO_RUNNER_URL: inject("runnerUrl"),
          KIRO_RUNNER_SECRET: inject("runnerSecret"),
          KIRO_API_KEY: "",
          // Short, so the test of kiro_chat handing back a running task stays quick.
          KIRO_CHAT_WAIT_MS: "4000",
          // Every test makes its own sessions for the one local user.
          KIRO_MAX_SESSIONS: "1000",
        },
      },
    })),
  ],
  test: {
    name: "workers",
    silent: "passed-only",
    include: ["test/worker/**/*.test.ts"],
    globalSetup: ["test/worker/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
