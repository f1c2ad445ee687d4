/**
 * The live task view (`view_url` from kiro_chat_async) in headless Chromium, against `npm run dev`
 * with the ACP stand-in: the page shows output while the task still runs, renders thoughts, tool
 * calls and the plan as elements of their own, Kiro's credits and context usage as they come,
 * ends on the final state, and breaks no rule of its
 * Content-Security-Policy. Playwright (playwright-core) drives Debian's /usr/bin/chromium; it never
 * downloads a browser. Without /usr/bin/chromium the file is skipped (`.ci/run` installs it).
 * A screenshot of the finished page is saved to test/.artifacts/task-view.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eSuite, newSession } from "../helpers/e2e-suite.ts";
import { callTool, type StatusLike } from "../helpers/mcp-client.ts";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.artifacts");
const SCREENSHOT = path.join(ARTIFACTS, "task-view.png");
/** Flags for a closed network: no background connections, no GPU, no sandbox (root in CI). */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TASK = "@thought planning\n@plan read|edit|test\n@tool Read file\n@metadata\n@lines 8\n@delay 300";

if (!HAVE_CHROMIUM) {
  console.warn(
    `test/e2e/view.test.ts skipped: ${CHROMIUM} not found (apt-get install chromium; .ci/run installs it)`,
  );
}

describe.skipIf(!HAVE_CHROMIUM)(`the live task view in headless Chromium (${CHROMIUM})`, () => {
  const e2e = e2eSuite();
  let userDataDir: string;
  let browser: BrowserContext | undefined;

  beforeAll(async () => {
    userDataDir = mkdtempSync(path.join(os.tmpdir(), "kiro-e2e-chromium-"));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 760 },
      timeout: 30_000,
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  async function status(taskId: string): Promise<StatusLike> {
    const answer = await callTool<StatusLike>(e2e.client, "kiro_task_status", { task_id: taskId });
    expect(answer.isError, answer.text).toBe(false);
    return answer.data;
  }

  it("streams text while the task runs, renders thought, tool call and plan, ends completed", async () => {
    const started = await callTool<{ task_id: string; view_url: string }>(e2e.client, "kiro_chat_async", {
      message: TASK,
      session_id: await newSession(e2e.client),
    });
    expect(started.isError, started.text).toBe(false);
    const page = await (browser as BrowserContext).newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });

    const response = await page.goto(started.data.view_url);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe(`Kiro task ${started.data.task_id}`);
    await expect(page.locator("#task").textContent()).resolves.toBe(started.data.task_id);

    // The first line shows while the task is still running: the page streams, it does not wait.
    await page.locator("#log pre.text", { hasText: "line 1" }).waitFor({ timeout: 15_000 });
    const whileRunning = await status(started.data.task_id);
    expect(whileRunning.status).toBe("running");
    expect(await page.locator("#state").textContent()).toBe("running");
    expect(await page.locator("#log").textContent()).not.toContain("line 8");
    expect(await page.locator("#usage").textContent()).toBe("context 12.5% · 0.21 credits · 8.0 s");

    await page.locator("body[data-done='true']").waitFor({ timeout: 30_000 });
    expect((await status(started.data.task_id)).status).toBe("completed");
    await expectFinishedPage(page);
    expect(problems).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });
});

async function expectFinishedPage(page: Page): Promise<void> {
  const state = page.locator("#state");
  expect(await state.textContent()).toBe("completed");
  expect(await state.getAttribute("class")).toBe("state completed");

  const thoughts = page.locator("#log .thought");
  expect(await thoughts.allTextContents()).toEqual(["planning"]);

  const tools = page.locator("#log .tool");
  expect(await tools.count()).toBe(1); // tool_call and its update share one card
  expect(await tools.locator(".title").textContent()).toContain("Read file");
  expect(await tools.locator(".status").textContent()).toBe("completed");
  // The card shows the call's title once and the result's output, never a stale status.
  expect(await tools.locator(".title").textContent()).not.toContain("pending");
  expect((await tools.locator(".detail").textContent())?.length).toBeGreaterThan(0);

  expect(await page.locator("#plan").isVisible()).toBe(true);
  const steps = page.locator("#plan li");
  expect(await steps.allTextContents()).toEqual(["read", "edit", "test"]);
  expect(await steps.evaluateAll((items) => items.map((item) => item.className))).toEqual([
    "completed",
    "in_progress",
    "pending",
  ]);

  const text = (await page.locator("#log pre.text").allTextContents()).join("");
  expect(text).toBe(Array.from({ length: 8 }, (_, i) => `line ${i + 1}\n`).join(""));
  // Order in the log: the thought, then the tool card, then the answer's text.
  const kinds = await page.locator("#log > *").evaluateAll((nodes) => nodes.map((node) => node.className));
  expect(kinds).toEqual(["thought", "tool", "text"]);
  expect(await page.locator("#footer").textContent()).toMatch(/^\d+ chunks, \d+ bytes$/);
}
