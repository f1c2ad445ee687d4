/**
 * An MCP client signing in the way Claude's connectors, Inspector and mcp-remote do: the MCP
 * SDK's own OAuth support (OAuthClientProvider + StreamableHTTPClientTransport) against
 * `npm run dev`, with headless Chromium as the person in front of the browser. Discovery from the
 * 401 → dynamic registration → /authorize → sign-in → consent → code → tokens → tools/list and a
 * kiro_chat task → a refresh once the access token stops working. Once in token-paste mode (no
 * upstream provider), once through a stand-in GitHub with an allowlist.
 * Screenshots of the sign-in, refusal and consent pages, at desktop and phone widths, go to
 * test/.artifacts/ (oauth-*.png).
 * Without /usr/bin/chromium the file is skipped (`.ci/run` installs it).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../helpers/dev-server.ts";
import {
  GITHUB_STAND_IN_CLIENT,
  type GithubStandIn,
  startGithubStandIn,
} from "../helpers/github-stand-in.ts";
import { callTool } from "../helpers/mcp-client.ts";
import { connectWithOAuth, type MemoryOAuthProvider, reconnect } from "../helpers/oauth-client.ts";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.artifacts");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
];
const PHONE = { width: 390, height: 844 };

if (!HAVE_CHROMIUM) console.warn(`test/e2e/oauth.test.ts skipped: ${CHROMIUM} not found`);

/** One dev server with its own state directory, and a Chromium profile; both gone afterwards. */
function oauthSuite(env: () => Record<string, string | undefined>) {
  const suite = {
    dev: undefined as unknown as DevServer,
    browser: undefined as unknown as BrowserContext,
    stateDir: "",
  };
  let scratch = "";
  beforeAll(async () => {
    scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-e2e-oauth-")));
    suite.stateDir = path.join(scratch, "state");
    suite.dev = await startDevServer({ env: { KIRO_DEV_STATE_DIR: suite.stateDir, ...env() } });
    suite.browser = await chromium.launchPersistentContext(path.join(scratch, "chromium"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 760 },
      timeout: 30_000,
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.dev?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  return suite;
}

/** A token for `userId`, made through the admin API as `npm run token -- create` does. */
async function createToken(dev: DevServer, stateDir: string, userId: string): Promise<string> {
  const token = `kiro_${randomBytes(32).toString("base64url")}`;
  const adminToken = readFileSync(path.join(stateDir, "admin-token"), "utf8").trim();
  const response = await fetch(`${dev.baseUrl}/admin/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      user_id: userId,
      hash: createHash("sha256").update(token).digest("hex"),
      label: "e2e",
    }),
  });
  expect(response.status).toBe(201);
  return token;
}

/** `npm run secrets -- set KIRO_API_KEY` as the holder of `token`. */
async function storeKiroKey(dev: DevServer, token: string): Promise<void> {
  const stored = await fetch(`${dev.baseUrl}/account/secrets/KIRO_API_KEY`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ value: "own-kiro-key-0123456789" }),
  });
  expect(stored.status).toBe(200);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1000, height: 760 });
}

/** On the consent page: checks what it names, saves it, and allows; ends on the client's callback. */
async function consent(
  page: Page,
  userId: string,
  callback: { code: Promise<string> },
  screenshot: string,
): Promise<void> {
  await page.waitForURL(/\/authorize\?/);
  await expect(page.locator("h1").textContent()).resolves.toContain("Kiro e2e client");
  const text = (await page.locator("main").textContent()) ?? "";
  expect(text).toContain(userId);
  expect(text).toContain("127.0.0.1");
  await shoot(page, screenshot);
  await page.click("button[value=allow]");
  await callback.code;
}

/** tools/list and a kiro_chat task, then a refresh once the access token stops working. */
async function useAndRefresh(mcpUrl: string, client: Client, provider: MemoryOAuthProvider): Promise<void> {
  const tools = await client.listTools();
  expect(tools.tools.map((tool) => tool.name)).toContain("kiro_chat");
  const answer = await callTool<{ status: string; result: string }>(client, "kiro_chat", {
    message: "@lines 3",
  });
  expect(answer.isError, answer.text).toBe(false);
  expect(answer.data.status).toBe("completed");
  expect(answer.data.result).toContain("line 3");
  await client.close();

  const before = provider.history.length;
  const first = provider.saved;
  if (!first?.refresh_token) throw new Error("no refresh token was issued");
  provider.saved = { ...first, access_token: "revoked-or-expired" };
  const again = await reconnect(mcpUrl, provider);
  expect((await again.listTools()).tools.length).toBeGreaterThan(0);
  await again.close();
  expect(provider.history.length).toBe(before + 1);
  expect(provider.saved?.access_token).not.toBe(first.access_token);
  expect(provider.saved?.refresh_token).not.toBe(first.refresh_token);
}

describe.skipIf(!HAVE_CHROMIUM)("an MCP client signs in with OAuth: token-paste mode", () => {
  const suite = oauthSuite(() => ({ GITHUB_CLIENT_ID: undefined, GITHUB_CLIENT_SECRET: undefined }));

  it("discovers, registers, signs in with a pasted token, consents, calls tools, refreshes", async () => {
    const token = await createToken(suite.dev, suite.stateDir, "paula");
    await storeKiroKey(suite.dev, token);
    const { client, provider } = await connectWithOAuth(suite.dev.mcpUrl, async (url, callback) => {
      const page = await suite.browser.newPage();
      await page.goto(url.toString());
      await page.waitForURL(/\/login\?next=/);
      await shoot(page, "oauth-sign-in-token");
      await page.fill("#token", `kiro_${"x".repeat(43)}`);
      await page.click("button[type=submit]");
      await expect(page.locator(".error").textContent()).resolves.toContain("not valid");
      await shoot(page, "oauth-sign-in-token-refused");
      await page.fill("#token", token);
      await page.click("button[type=submit]");
      await consent(page, "paula", callback, "oauth-consent-token");
      await page.close();
    });
    await useAndRefresh(suite.dev.mcpUrl, client, provider);
  });
});

describe.skipIf(!HAVE_CHROMIUM)("an MCP client signs in with OAuth: GitHub", () => {
  let github: GithubStandIn;
  beforeAll(async () => {
    github = await startGithubStandIn();
  });
  afterAll(async () => {
    await github?.close();
  });
  const suite = oauthSuite(() => ({
    GITHUB_CLIENT_ID: GITHUB_STAND_IN_CLIENT.id,
    GITHUB_CLIENT_SECRET: GITHUB_STAND_IN_CLIENT.secret,
    KIRO_GITHUB_BASE_URL: github.url,
    KIRO_GITHUB_API_URL: github.url,
    KIRO_ALLOWED_USERS: "octocat",
  }));

  it("signs in through GitHub as gh-<id>, consents, calls tools, refreshes", async () => {
    // The first token ends local mode: from then on everyone signs in. The operator gives the
    // GitHub user (gh-<id>) a token too, with which they store their own Kiro API key.
    const token = await createToken(suite.dev, suite.stateDir, "gh-583231");
    await storeKiroKey(suite.dev, token);
    github.signInAs("octocat");
    const { client, provider } = await connectWithOAuth(suite.dev.mcpUrl, async (url, callback) => {
      const page = await suite.browser.newPage();
      await page.goto(url.toString());
      await page.waitForURL(/\/login\?next=/);
      await shoot(page, "oauth-sign-in-github");
      await page.click("text=Sign in with GitHub");
      await consent(page, "gh-583231", callback, "oauth-consent-github");
      await page.close();
    });
    await useAndRefresh(suite.dev.mcpUrl, client, provider);
  });

  it("refuses a GitHub user outside the allowlist on a page that says why", async () => {
    github.signInAs("mallory");
    await suite.browser.clearCookies();
    const page = await suite.browser.newPage();
    await page.goto(`${suite.dev.baseUrl}/login?next=/`);
    await page.click("text=Sign in with GitHub");
    await page.waitForURL(/\/login\/github\/callback/);
    await expect(page.locator(".error").textContent()).resolves.toContain("KIRO_ALLOWED_USERS");
    await shoot(page, "oauth-sign-in-github-refused");
    await page.close();
  });
});
