/**
 * A git server on loopback for tests: the real `git http-backend` (smart HTTP, fetch and push)
 * behind a small Node HTTP server on 127.0.0.1, serving the bare repositories under `root`. With
 * `auth` it answers 401 + `WWW-Authenticate: Basic` until a request carries that user name and
 * password, as GitHub does for a private repository, so a client's credential path is exercised
 * for real. Node builtins only, so vitest globalSetup and plain scripts can use it.
 *
 *   const server = await startGitHttpServer({ root, auth: { username: "x-access-token", password } });
 *   server.url("origin.git")   // http://127.0.0.1:PORT/origin.git
 *   server.requests            // what was asked, with whether it carried the right credential
 *   await server.close();
 */
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface GitHttpServerOptions {
  /** Directory holding the bare repositories. */
  root: string;
  /** Basic-auth credential every request must carry. */
  auth?: { username: string; password: string };
}

export interface GitHttpRequest {
  method: string;
  path: string;
  /** The request carried the expected credential (always true without `auth`). */
  authorized: boolean;
  /** The request carried an Authorization header at all. */
  sentCredential: boolean;
}

export interface GitHttpServer {
  url(repository: string): string;
  readonly requests: GitHttpRequest[];
  close(): Promise<void>;
}

/**
 * Pushes are accepted (as git http-backend does for an authenticated user), and any commit may
 * be fetched by id, as GitHub allows: a session rebuilt at its recorded commit fetches it so.
 */
const SERVER_CONFIG = { "http.receivepack": "true", "uploadpack.allowAnySHA1InWant": "true" };

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: GitHttpRequest[] = [];
  const server = http.createServer((req, res) => {
    const given = req.headers.authorization;
    const expected = options.auth
      ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`
      : undefined;
    const authorized = expected === undefined || given === expected;
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    requests.push({ method: req.method ?? "GET", path, authorized, sentCredential: given !== undefined });
    if (!authorized) {
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end("authentication required\n");
      return;
    }
    backend(options.root, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (repository) => `http://127.0.0.1:${port}/${repository}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs git http-backend as a CGI program for one request. */
function backend(root: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://git");
  const config = Object.entries(SERVER_CONFIG);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(
      config.flatMap(([key, value], i) => [
        [`GIT_CONFIG_KEY_${i}`, key],
        [`GIT_CONFIG_VALUE_${i}`, value],
      ]),
    ),
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_ADDR: "127.0.0.1",
    REMOTE_USER: "git",
    ...(req.headers["content-encoding"] && { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] }),
    ...(req.headers["git-protocol"] && { GIT_PROTOCOL: String(req.headers["git-protocol"]) }),
  };
  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  req.pipe(child.stdin);
  child.on("error", () => res.writeHead(500).end("git http-backend could not start\n"));
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    headersDone = true;
    writeCgiHead(res, head.subarray(0, end).toString("latin1"));
    res.write(head.subarray(end + 4));
  });
  child.stdout.on("end", () => {
    if (!headersDone) res.writeHead(502);
    res.end();
  });
}

function writeCgiHead(res: http.ServerResponse, text: string): void {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "status") status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  res.writeHead(status, headers);
}
