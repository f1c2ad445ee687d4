/**
 * The Durable Object request counts of bench and load: every call through a counted stub is
 * counted by class and method; off (no KIRO_DEBUG_COUNTERS) the env is untouched and the route
 * does not exist; on, it answers only on a loopback host.
 */
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { countedEnv, debugRoutes } from "../../src/debug/request-counts.ts";
import { workerFetch } from "./mcp.ts";

const on = { ...env, KIRO_DEBUG_COUNTERS: "1" } as Env;

async function counts(host = "http://127.0.0.1"): Promise<Response> {
  return debugRoutes().fetch(new Request(`${host}/do-requests`), on);
}

it("counts each call through a counted stub by class and method", async () => {
  const before = ((await (await counts()).json()) as { counts: Record<string, number> }).counts;
  const account = countedEnv(on).ACCOUNT.getByName(`user:counts-${crypto.randomUUID()}`);
  await account.listSessions();
  await account.listSessions();
  const after = ((await (await counts()).json()) as { counts: Record<string, number> }).counts;
  expect((after["Account.listSessions"] ?? 0) - (before["Account.listSessions"] ?? 0)).toBe(2);
});

it("changes nothing and shows nothing when off, and answers only on loopback when on", async () => {
  expect(countedEnv(env)).toBe(env);
  expect((await workerFetch("http://localhost/debug/do-requests")).status).toBe(404);
  expect((await counts("https://kiro.example.com")).status).toBe(404);
});
