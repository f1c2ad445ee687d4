/**
 * Repository URLs as they may be logged, stored and shown: the Worker records the URL a session
 * was cloned from, the runner logs the URL it clones. Credentials a URL carries never appear in
 * either.
 */

/**
 * `url` with any user name and password taken out; unchanged when it has none or is not a URL
 * at all (scp-like `git@host:path`, where the user is the ssh login, not a secret).
 */
export function withoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: nothing in it is a credential this function can find.
    return url;
  }
  if (!parsed.username && !parsed.password) return url;
  parsed.username = "";
  parsed.password = "";
  return parsed.toString();
}
