import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * End to end: `npm run dev` (wrangler dev + the host runner + the kiro-cli stub) started by each
 * test file, driven over real HTTP by the real MCP client. Starting wrangler takes 5–10 s.
 */
export default defineConfig({
  root,
  test: {
    name: "e2e",
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
