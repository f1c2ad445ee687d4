/**
 * The live task view (`view_url` from kiro_chat_async) in headless Chromium, against `npm run dev`
 * with the ACP stand-in: the page shows the message and output while the task still runs, renders
 * thoughts, tool calls (collapsible, streamed output) and the plan as elements of their own, Kiro's
 * credits and context usage as they come, the answer as Markdown once a stretch of it is done,
 * ends on the final state, and breaks no rule of its Content-Security-Policy. A hostile answer
 * (script tags, onerror images, javascript: links, raw HTML blocks) runs nothing and shows as
 * text; the Cancel button cancels. Playwright (playwright-core) drives Debian's /usr/bin/chromium; it never
 * downloads a browser. Without /usr/bin/chromium the file is skipped (`.ci/run` installs it).
 * Screenshots are saved to test/.artifacts/ (task-view.png, task-view-hostile{,-phone}.png).
 */
import type { Page } from "playwright-core";
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
import { callTool, type StatusLike } from "../helpers/mcp-client.ts";

const TASK = "@thought planning\n@plan read|edit|test\n@tool Read file\n@metadata\n@lines 8\n@delay 300";
/** Prose the stand-in repeats in its answer: Markdown and HTML that must run nothing. */
const HOSTILE_TASK = [
  "@tool-output",
  "answer follows",
  "## Heading",
  "<script>window.pwned = 1</script>",
  "",
  '<img src="x" onerror="window.pwned = 2">',
  "",
  '<div onclick="window.pwned = 4">raw *HTML* block</div>',
  "",
  "[click](javascript:window.pwned=3) [docs](https://example.com/docs) **bold**",
  "![pic](https://example.com/pic.png)",
  "",
  "```",
  "<b>not bold</b>",
  "```",
].join("\n");

if (!HAVE_CHROMIUM) {
  console.warn(
    `test/e2e/view.test.ts skipped: ${CHROMIUM} not found (apt-get install chromium; .ci/run installs it)`,
  );
}

describe.skipIf(!HAVE_CHROMIUM)(`the live task view in headless Chromium (${CHROMIUM})`, () => {
  const e2e = e2eSuite();
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function status(taskId: string): Promise<StatusLike> {
    const answer = await callTool<StatusLike>(e2e.client, "kiro_task_status", { task_id: taskId });
    expect(answer.isError, answer.text).toBe(false);
    return answer.data;
  }

  async function open(viewUrl: string): Promise<{ page: Page; problems: string[] }> {
    const opened = await openPage((browser as Browser).context, viewUrl);
    expect(opened.status).toBe(200);
    return opened;
  }

  async function start(message: string): Promise<{ task_id: string; view_url: string }> {
    const started = await callTool<{ task_id: string; view_url: string }>(e2e.client, "kiro_chat_async", {
      message,
      session_id: await newSession(e2e.client),
    });
    expect(started.isError, started.text).toBe(false);
    return started.data;
  }

  it("streams text while the task runs, renders thought, tool call and plan, ends completed", async () => {
    const started = await start(TASK);
    const { page, problems } = await open(started.view_url);
    expect(await page.title()).toBe(`Kiro task ${started.task_id}`);
    await expect(page.locator("#task").textContent()).resolves.toBe(started.task_id);
    expect(await page.locator("#message-text").textContent()).toBe(TASK);

    // The first line shows while the task is still running: the page streams, it does not wait.
    await page.locator("#log pre.text", { hasText: "line 1" }).waitFor({ timeout: 15_000 });
    const whileRunning = await status(started.task_id);
    expect(whileRunning.status).toBe("running");
    expect(await page.locator("#state").textContent()).toBe("running");
    expect(await page.locator("#cancel").isVisible()).toBe(true);
    expect(await page.locator("#elapsed").textContent()).toMatch(/^running for \d+ s$/);
    expect(await page.locator("#log").textContent()).not.toContain("line 8");
    expect(await page.locator("#usage").textContent()).toBe("context 12.5% · 0.21 credits · 8.0 s");

    await page.locator("body[data-done='true']").waitFor({ timeout: 30_000 });
    expect((await status(started.task_id)).status).toBe("completed");
    await expectFinishedPage(page);
    expect(problems).toEqual([]);

    await screenshot(page, "task-view");
    await page.close();
  });

  it("runs nothing from a hostile answer, shows it as text, keeps only safe links", async () => {
    const started = await start(HOSTILE_TASK);
    const { page, problems } = await open(started.view_url);
    await page.locator("body[data-done='true']").waitFor({ timeout: 30_000 });
    expect(await page.locator("#state").textContent()).toBe("completed");
    expect(await page.evaluate("typeof window.pwned")).toBe("undefined");
    expect(problems).toEqual([]);

    // The message, exactly as sent; the answer as Markdown with the HTML in it as text.
    expect(await page.locator("#message-text").textContent()).toBe(HOSTILE_TASK);
    const answer = page.locator("#log .markdown");
    expect(await answer.count()).toBe(1);
    const text = (await answer.textContent()) ?? "";
    for (const shown of [
      "<script>window.pwned = 1</script>",
      '<img src="x" onerror="window.pwned = 2">',
      "<div",
    ]) {
      expect(text).toContain(shown);
    }
    expect(await page.locator("#log script, #log img, #log iframe, #log div[onclick]").count()).toBe(0);
    expect(await answer.locator("strong").allTextContents()).toEqual(["bold"]);
    expect(await answer.locator("h2").allTextContents()).toEqual(["Heading"]);
    expect(await answer.locator("pre code").allTextContents()).toEqual(["<b>not bold</b>\n"]);
    const links = await answer.locator("a").evaluateAll((anchors) =>
      anchors.map((a) => ({
        text: a.textContent,
        href: a.getAttribute("href"),
        rel: a.getAttribute("rel"),
        target: a.getAttribute("target"),
      })),
    );
    expect(links).toEqual([
      { text: "docs", href: "https://example.com/docs", rel: "noopener noreferrer", target: "_blank" },
      {
        text: "image: pic",
        href: "https://example.com/pic.png",
        rel: "noopener noreferrer",
        target: "_blank",
      },
    ]);
    expect(text).toContain("[click](javascript:window.pwned=3)");

    // The tool call: collapsed, its streamed output appended piece by piece.
    const tool = page.locator("#log details.tool");
    expect(await tool.locator(".title").textContent()).toBe("⚙ Running: make [execute]");
    expect(await tool.getAttribute("open")).toBeNull();
    expect(await tool.locator(".detail").textContent()).toBe("compiling a.c\nlinking app\n");
    await tool.locator("summary").click();
    expect(await tool.locator(".detail").isVisible()).toBe(true);

    await screenshot(page, "task-view-hostile");
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowX(page)).toBeLessThanOrEqual(0); // nothing wider than a phone's screen
    await screenshot(page, "task-view-hostile-phone");
    await page.close();
  });

  it("cancels the task from its Cancel button", async () => {
    const started = await start("@hang");
    const { page, problems } = await open(started.view_url);
    await page.locator("#cancel:visible").click({ timeout: 15_000 });
    await page.locator("body[data-done='true']").waitFor({ timeout: 30_000 });
    expect(await page.locator("#state").textContent()).toBe("cancelled");
    expect(await page.locator("#cancel").isVisible()).toBe(false);
    expect(await page.locator("#elapsed").textContent()).toMatch(/^took \d+ s$/);
    expect((await status(started.task_id)).status).toBe("cancelled");
    expect(problems).toEqual([]);
    await page.close();
  });
});

async function expectFinishedPage(page: Page): Promise<void> {
  const state = page.locator("#state");
  expect(await state.textContent()).toBe("completed");
  expect(await state.getAttribute("class")).toBe("state completed");
  expect(await page.locator("#cancel").isVisible()).toBe(false);
  expect(await page.locator("#elapsed").textContent()).toMatch(/^took \d+ s$/);

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

  // The finished answer is rendered as Markdown: the eight lines are one paragraph, line by line.
  expect(await page.locator("#log .text").count()).toBe(1);
  const text = await page.locator("#log .text").innerText();
  expect(text).toBe(Array.from({ length: 8 }, (_, i) => `line ${i + 1}`).join("\n"));
  expect(await page.locator("#log .markdown p").count()).toBe(1);
  expect(await page.locator("#log .markdown p br").count()).toBe(7);
  // Order in the log: the thought, then the tool card, then the answer's text.
  const kinds = await page.locator("#log > *").evaluateAll((nodes) => nodes.map((node) => node.className));
  expect(kinds).toEqual(["thought", "tool", "text markdown"]);
  expect(await page.locator("#footer").textContent()).toMatch(/^\d+ chunks, \d+ bytes$/);
}
