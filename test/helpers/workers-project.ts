/**
 * A vitest project running tests inside workerd against this Worker and the real runner started
 * by test/worker/global-setup.ts. Each project gets its own Durable Object storage, so the auth
 * tests (which create tokens and so end local mode) cannot disturb the local-mode tests; the files
 * of one project share it.
 */
import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_ADMIN_TOKEN, TEST_SECRETS_KEY } from "./test-admin-token.ts";

const root = path.resolve(import.meta.dirname, "../..");

/** Bindings whose values a global setup provides: binding name → the provided value's key. */
type InjectedBindings = Record<string, "githubUrl">;

/**
 * A project whose name ends in "-headless" gets a runner with KIRO_DRIVER=headless. `extra`:
 * more global setups (after the runner's), and bindings taken from what they provide.
 */
export function workersProject(
  name: string,
  include: string[],
  bindings: Record<string, string> = {},
  extra: { globalSetup?: string[]; injected?: InjectedBindings } = {},
) {
  return defineConfig({
    root,
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: {
          bindings: {
            KIRO_RUNNER_URL: inject("runnerUrl"),
            KIRO_RUNNER_SECRET: inject("runnerSecret"),
            KIRO_API_KEY: "",
            KIRO_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
            KIRO_SECRETS_KEY: TEST_SECRETS_KEY,
            // Short, so the test of kiro_chat handing back a running task stays quick.
            KIRO_CHAT_WAIT_MS: "4000",
            // Tests make their own sessions, many per user.
            KIRO_MAX_SESSIONS: "1000",
            KIRO_MAX_RUNNING_TASKS: "100",
            // Small, so the truncation test needs only a little output.
            KIRO_MAX_TASK_OUTPUT_BYTES: "1048576",
            ...bindings,
            ...Object.fromEntries(
              Object.entries(extra.injected ?? {}).map(([binding, key]) => [binding, inject(key)]),
            ),
          },
        },
      })),
    ],
    test: {
      name,
      silent: "passed-only",
      include,
      globalSetup: ["test/worker/global-setup.ts", ...(extra.globalSetup ?? [])],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      // One runner isolate for all of the project's files (they share its Durable Object storage;
      // each file makes users of its own). A fresh isolate per file can leave the run waiting for
      // good between two files (vitest-pool-workers), and costs ~0.6 s a file.
      isolate: false,
    },
  });
}
