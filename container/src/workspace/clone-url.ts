/**
 * Repository URLs for POST /workspace/clone. A URL reaches git as a plain argument after `--`, and
 * must still name a remote repository in a form git cannot take for an option, a transport command
 * (`ext::`, `fd::`) or a path on the runner's disk. Credentials a URL carries stay out of answers
 * (redacted from git's output); logs show the URL without them (protocol/urls.ts).
 */

/** scp-like `user@host:path`, the form git hands to ssh; user and host never start with "-". */
const SCP_LIKE = /^[A-Za-z0-9_][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9.-]*:.+$/;
/** Longest clone URL accepted. */
const MAX_URL_CHARS = 2048;
/** Credentials shorter than this are not redacted: replacing them would mangle ordinary text. */
const MIN_URL_SECRET_CHARS = 4;

/**
 * Why `url` cannot be cloned, or undefined when it can: https://, ssh://, scp-like user@host:path,
 * and file:// only when `allowFileUrls` (KIRO_ALLOW_FILE_CLONES=1).
 */
export function checkCloneUrl(url: string, allowFileUrls: boolean): string | undefined {
  const schemes = allowFileUrls
    ? "https://, ssh://, file:// or user@host:path"
    : "https://, ssh:// or user@host:path";
  if (url.startsWith("-")) return "must not start with -";
  // \s covers Unicode spaces; \p{Cc} the control characters (NUL, newlines, DEL, C1).
  if (/[\s\p{Cc}]/u.test(url)) return "must not contain whitespace or control characters";
  if (url.length > MAX_URL_CHARS) return `must be at most ${MAX_URL_CHARS} characters`;
  if (url.startsWith("file://") && !allowFileUrls) {
    return "file:// URLs are refused (the runner allows them only with KIRO_ALLOW_FILE_CLONES=1)";
  }
  const scheme = ["https://", "ssh://", ...(allowFileUrls ? ["file://"] : [])].find((prefix) =>
    url.startsWith(prefix),
  );
  if (scheme === undefined) return SCP_LIKE.test(url) ? undefined : `must be an ${schemes} URL`;
  const parsed = parseUrl(url);
  if (parsed === undefined) return `is not a valid ${scheme} URL`;
  if (scheme === "file://") return undefined;
  // A URL parser skips extra slashes ("https:///host"), git does not: the host comes right after.
  const host = parsed.hostname;
  if (url[scheme.length] === "/" || host === "" || host.startsWith("-")) {
    return `must name a host after ${scheme}`;
  }
  return undefined;
}

/**
 * The password of an https:// or ssh:// URL, and an https:// user name that stands alone (a token
 * given as the user, as GitHub accepts), both as written and percent-decoded.
 */
export function urlSecrets(url: string): string[] {
  const parsed = parseUrl(url);
  if (parsed === undefined) return [];
  const secrets = [parsed.password];
  if (parsed.protocol === "https:" && parsed.password === "") secrets.push(parsed.username);
  return secrets
    .flatMap((secret) => [secret, safeDecode(secret)])
    .filter((secret) => secret.length >= MIN_URL_SECRET_CHARS);
}

function parseUrl(url: string): URL | undefined {
  if (!/^(?:https|ssh|file):\/\//.test(url)) return undefined;
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
