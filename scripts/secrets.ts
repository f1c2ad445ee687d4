/**
 * `npm run secrets -- <command>`: your own secrets on a kiro-mcp-edge server — the Kiro API key
 * your sessions run with, and your git credential.
 *
 *   npm run secrets -- set KIRO_API_KEY      the value from stdin, or a prompt that does not echo
 *   npm run secrets -- list                  names and dates, never values
 *   npm run secrets -- delete KIRO_API_KEY
 *
 * Talks to KIRO_URL (default http://127.0.0.1:8787, i.e. `npm run dev`) as the user of the token
 * in KIRO_TOKEN (none in local mode). A value is never taken from the command line, where `ps`
 * and the shell's history would show it.
 */
import { fileURLToPath } from "node:url";

interface SecretRow {
  name: string;
  created_at: number;
  updated_at: number;
}

const USAGE = "usage: npm run secrets -- set <NAME> | list | delete <NAME>   (NAME: KIRO_API_KEY, GIT_TOKEN)";

async function main(argv: string[]): Promise<void> {
  const [command, name, ...rest] = argv;
  if (command === "set" && name && rest.length > 0) {
    fail(
      "the value is read from stdin or a hidden prompt, never from the command line (ps and your shell history would show it)",
    );
  }
  if (command === "set" && name) return set(name);
  if (command === "list" && !name) return list();
  if (command === "delete" && name) return remove(name);
  fail(USAGE);
}

async function set(name: string): Promise<void> {
  const value = await readValue(name);
  if (value === "") fail("no value given: nothing stored");
  const stored = (await call("PUT", `/${encodeURIComponent(name)}`, { value })) as SecretRow;
  say(`Stored ${stored.name} (${when(stored.updated_at)}). Your next Kiro turn uses it.`);
}

async function list(): Promise<void> {
  const { secrets } = (await call("GET", "")) as { secrets: SecretRow[] };
  if (secrets.length === 0) return say("No secrets stored.");
  for (const secret of secrets) {
    say(`${secret.name.padEnd(14)} stored ${when(secret.created_at)}  updated ${when(secret.updated_at)}`);
  }
}

async function remove(name: string): Promise<void> {
  await call("DELETE", `/${encodeURIComponent(name)}`);
  say(`Deleted ${name}.`);
}

/** Piped input whole (one final line break dropped), or typed at a prompt that shows nothing. */
async function readValue(name: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString("utf8")
      .replace(/\r?\n$/, "");
  }
  process.stderr.write(`${name} (typing is not shown): `);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve) => {
      let value = "";
      stdin.on("data", (text: string) => {
        for (const char of text) {
          if (char === "\r" || char === "\n" || char === "\u0004") return resolve(value);
          if (char === "\u0003") {
            stdin.setRawMode(false);
            process.stderr.write("\n");
            process.exit(130);
          }
          value = char === "\u007f" || char === "\b" ? value.slice(0, -1) : value + char;
        }
      });
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

async function call(method: string, route: string, body?: unknown): Promise<unknown> {
  const base = (process.env.KIRO_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (process.env.KIRO_TOKEN) headers.authorization = `Bearer ${process.env.KIRO_TOKEN}`;
  const response = await fetch(`${base}/account/secrets${route}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  }).catch((error: unknown) =>
    fail(`cannot reach ${base} (${String(error)}); is \`npm run dev\` running, or KIRO_URL set?`),
  );
  const parsed = (await response.json().catch(() => ({}))) as {
    error?: string | { message?: string };
    error_description?: string;
  };
  if (response.status === 401) {
    fail(
      "the server wants your token: set KIRO_TOKEN to the kiro_… token you were given (npm run token -- create)",
    );
  }
  if (!response.ok) {
    const message = typeof parsed.error === "object" ? parsed.error.message : parsed.error_description;
    fail(`${response.status}: ${message ?? "request failed"}`);
  }
  return parsed;
}

function when(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

function say(message: string): void {
  process.stdout.write(`${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`secrets: ${message}\n`);
  process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
