/**
 * Headless Chromium for the browser tests (the live view, the dashboard): Playwright
 * (playwright-core) drives Debian's /usr/bin/chromium and never downloads a browser. Pages are
 * opened with everything that would show a problem recorded: page errors, console errors (a CSP
 * violation is one), failed responses, dialogs (an alert() a hostile page managed to run).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go: test/.artifacts/. */
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.artifacts");

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

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium profile with a desktop-sized viewport. */
export async function launchChromium(): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), "kiro-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 760 },
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A new page at `url`, with the problems it shows collected in `problems`. */
export async function openPage(
  context: BrowserContext,
  url: string,
): Promise<{ page: Page; problems: string[]; status: number | undefined }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} from ${response.url()}`);
  });
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  const response = await page.goto(url);
  return { page, problems, status: response?.status() };
}

/** Saves a full-page screenshot of `page` as test/.artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** How far the page is wider than its viewport (0 or less: nothing sticks out sideways). */
export async function overflowX(page: Page): Promise<number> {
  return Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
}
