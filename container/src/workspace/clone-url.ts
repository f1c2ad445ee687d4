/**
 * Repository URLs for clones and pushes. A URL reaches git as a plain argument after `--`, and
 * must still name a remote repository in a form git cannot take for an option, a transport command
 * (`ext::`, `fd::`) or a path on the runner's disk. Which transports are allowed is the runner's
 * GitTransport policy: https and ssh always, file:// only with KIRO_ALLOW_FILE_CLONES=1, plain
 * http:// only to the hosts in KIRO_GIT_ALLOW_HTTP_HOSTS. Credentials a URL carries stay out of
 * answers (redacted from git's output); logs show the URL without them (protocol/urls.ts).
 */

import type { RunnerConfig } from "../config.ts";

/** scp-like `user@host:path`, the form git hands to ssh; user and host never start with "-". */
const SCP_LIKE = /^[A-Za-z0-9_][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9.-]*:.+$/;
/** Longest clone URL accepted. */
const MAX_URL_CHARS = 2048;
/** Credentials shorter than this are not redacted: replacing them would mangle ordinary text. */
const MIN_URL_SECRET_CHARS = 4;

/** Which transports git may use for the runner's clones and pushes. */
export interface GitTransport {
  /** KIRO_ALLOW_FILE_CLONES=1: file:// URLs (tests with local repositories). */
  allowFileUrls: boolean;
  /** KIRO_GIT_ALLOW_HTTP_HOSTS: host names (lower case) plain http:// may reach. */
  httpHosts: readonly string[];
}

/** The runner's transport policy, from its configuration. */
export function gitTransport(config: Pick<RunnerConfig, "allowFileClones" | "gitHttpHosts">): GitTransport {
  return { allowFileUrls: config.allowFileClones, httpHosts: config.gitHttpHosts };
}

/** The protocols git may use (GIT_ALLOW_PROTOCOL), redirects and submodules included. */
export function allowedProtocols(transport: GitTransport): string[] {
  return [
    "https",
    "ssh",
    ...(transport.httpHosts.length > 0 ? ["http"] : []),
    ...(transport.allowFileUrls ? ["file"] : []),
  ];
}

/**
 * Why `url` cannot be cloned or pushed to, or undefined when it can: https://, ssh://, scp-like
 * user@host:path; file:// and http:// only as `transport` allows.
 */
export function checkCloneUrl(url: string, transport: GitTransport): string | undefined {
  const allowed = ["https://", "ssh://"];
  if (transport.httpHosts.length > 0) allowed.push("http://");
  if (transport.allowFileUrls) allowed.push("file://");
  if (url.startsWith("-")) return "must not start with -";
  // \s covers Unicode spaces; \p{Cc} the control characters (NUL, newlines, DEL, C1).
  if (/[\s\p{Cc}]/u.test(url)) return "must not contain whitespace or control characters";
  if (url.length > MAX_URL_CHARS) return `must be at most ${MAX_URL_CHARS} characters`;
  if (url.startsWith("file://") && !transport.allowFileUrls) {
    return "file:// URLs are refused (the runner allows them only with KIRO_ALLOW_FILE_CLONES=1)";
  }
  const scheme = allowed.find((prefix) => url.startsWith(prefix));
  if (scheme === undefined) {
    if (url.startsWith("http://")) return plainHttpRefused(url);
    return SCP_LIKE.test(url) ? undefined : `must be an ${allowed.join(", ")} or user@host:path URL`;
  }
  const parsed = parseUrl(url);
  if (parsed === undefined) return `is not a valid ${scheme} URL`;
  if (scheme === "file://") return undefined;
  if (scheme === "http://" && !transport.httpHosts.includes(parsed.hostname.toLowerCase())) {
    return plainHttpRefused(url);
  }
  // A URL parser skips extra slashes ("https:///host"), git does not: the host comes right after.
  const host = parsed.hostname;
  if (url[scheme.length] === "/" || host === "" || host.startsWith("-")) {
    return `must name a host after ${scheme}`;
  }
  return undefined;
}

function plainHttpRefused(url: string): string {
  const host = parseUrl(url)?.hostname ?? "this host";
  return `must be an https:// URL: plain http:// is refused for ${host} (the runner allows it only to the hosts in KIRO_GIT_ALLOW_HTTP_HOSTS)`;
}

/**
 * The password of an http(s):// or ssh:// URL, and an http(s):// user name that stands alone (a
 * token given as the user, as GitHub accepts), both as written and percent-decoded.
 */
export function urlSecrets(url: string): string[] {
  const parsed = parseUrl(url);
  if (parsed === undefined) return [];
  const secrets = [parsed.password];
  const web = parsed.protocol === "https:" || parsed.protocol === "http:";
  if (web && parsed.password === "") secrets.push(parsed.username);
  return secrets
    .flatMap((secret) => [secret, safeDecode(secret)])
    .filter((secret) => secret.length >= MIN_URL_SECRET_CHARS);
}

/**
 * The user name and password an http(s):// URL carries, percent-decoded: git gets them through
 * its askpass (git-credential.ts) and the URL without them, so they never reach .git/config.
 * A lone user name is a token (GitHub's form); undefined when the URL carries none.
 */
export function urlCredential(url: string): { username: string; password: string } | undefined {
  const parsed = parseUrl(url);
  if (parsed === undefined || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) return undefined;
  if (parsed.username === "" && parsed.password === "") return undefined;
  if (parsed.password === "") return { username: "x-access-token", password: safeDecode(parsed.username) };
  return { username: safeDecode(parsed.username), password: safeDecode(parsed.password) };
}

function parseUrl(url: string): URL | undefined {
  if (!/^(?:https?|ssh|file):\/\//.test(url)) return undefined;
  try {
    return new URL(url);
  } catch {
    // Not a URL at all: the caller says so (checkCloneUrl) or has nothing to take from it.
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Not valid percent-encoding: git sees it as written, and that form is redacted already.
    return text;
  }
}
