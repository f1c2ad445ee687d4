/**
 * The dashboard at `/` in headless Chromium, against `npm run dev` in local mode (the local user on
 * this machine needs no sign-in): a task whose message and answer are hostile HTML and Markdown is
 * listed with its first line shown as text, nothing on the dashboard or the live view it links to
 * runs, and a secret is set and deleted through the forms, its value never shown. Screenshots:
 * test/.artifacts/dashboard.png and dashboard-phone.png (390 px wide).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  CHROMIUM,
  HAVE_CHROMIUM,
  launchChromium,
  openPage,
  overflowX,
  screenshot,
} from "../helpers/chromium.ts";
import { e2eSuite, newSession } from "../helpers/e2e-suite.ts";
import { callTool, pollUntilDone } from "../helpers/mcp-client.ts";

const FIRST_LINE =
  '<img src="x" onerror="window.pwned = 1"> fix <script>window.pwned = 2</script> the **login**';
const HOSTILE_TASK = [
  FIRST_LINE,
  '<iframe src="javascript:window.pwned = 3"></iframe>',
  "[docs](javascript:window.pwned=4) and [site](https://example.com)",
  "@lines 2",
].join("\n");
const SECRET_VALUE = "ghp_e2eDashboardValue0123456789";

if (!HAVE_CHROMIUM) console.warn(`test/e2e/dashboard.test.ts skipped: ${CHROMIUM} not found`);

describe.skipIf(!HAVE_CHROMIUM)(`the dashboard in headless Chromium (${CHROMIUM})`, () => {
  const e2e = e2eSuite();
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("lists a hostile task as text, runs nothing, and links to its live view", async () => {
    const sessionId = await newSession(e2e.client);
    const started = await callTool<{ task_id: string }>(e2e.client, "kiro_chat_async", {
      message: HOSTILE_TASK,
      session_id: sessionId,
    });
    await pollUntilDone(e2e.client, started.data.task_id);

    const { page, problems, status } = await openPage((browser as Browser).context, `${e2e.dev.baseUrl}/`);
    expect(status).toBe(200);
    expect(await page.locator("header.top").textContent()).toContain("Signed in as local");
    expect(await page.locator("#sessions").textContent()).toContain(sessionId);
    const link = page.locator(`#tasks a[href="/tasks/${started.data.task_id}"]`);
    expect(await link.textContent()).toBe(FIRST_LINE);
    const row = page.locator("#tasks tr", { has: page.locator(`a[href="/tasks/${started.data.task_id}"]`) });
    expect(await row.locator(".state").textContent()).toBe("completed");
    expect(await page.locator("main img, main script, main iframe").count()).toBe(0);
    expect(await page.evaluate("typeof window.pwned")).toBe("undefined");
    await screenshot(page, "dashboard");
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowX(page)).toBeLessThanOrEqual(0);
    await screenshot(page, "dashboard-phone");
    await page.setViewportSize({ width: 1000, height: 760 });

    await link.click();
    await page.locator("body[data-done='true']").waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe(`/tasks/${started.data.task_id}`);
    expect(await page.locator("#message-text").textContent()).toBe(HOSTILE_TASK);
    expect(
      await page.locator("#log a").evaluateAll((links) => links.map((a) => a.getAttribute("href"))),
    ).toEqual(["https://example.com"]);
    expect(await page.locator("body img, body script:not([nonce]), body iframe").count()).toBe(0);
    expect(await page.evaluate("typeof window.pwned")).toBe("undefined");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("sets and deletes a secret through its forms, never showing the value", async () => {
    const { page, problems } = await openPage((browser as Browser).context, `${e2e.dev.baseUrl}/`);
    await page.locator("#secret-name").selectOption("GIT_TOKEN");
    await page.locator("#secret-value").fill(SECRET_VALUE);
    await page.locator("#secrets button.primary").click();
    await page.waitForLoadState();
    expect(page.url(), (await page.locator("main").textContent()) ?? "").toMatch(/\?done=secret_saved$/);
    expect(await page.locator(".notice").textContent()).toContain("Secret saved");
    const row = page.locator("#secrets tr", { hasText: "GIT_TOKEN" });
    expect(await row.count()).toBe(1);
    expect(await row.locator("time").count()).toBe(2);
    expect(await page.content()).not.toContain(SECRET_VALUE);

    await row.locator("button.danger").click();
    await page.waitForURL(/\?done=secret_deleted$/);
    expect(await page.locator("#secrets tr", { hasText: "GIT_TOKEN" }).count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
