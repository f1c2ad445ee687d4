/**
 * Where a user opens a pull request for a branch just pushed: GitHub's compare page, GitLab's new
 * merge request, Bitbucket's new pull request. Only for those hosts (github.com, gitlab.com,
 * bitbucket.org): any other host gets null rather than a guess.
 */

const HOSTS: Record<string, (repo: string, branch: string, base: string | null) => string> = {
  "github.com": (repo, branch, base) =>
    base === null
      ? `https://github.com/${repo}/pull/new/${segments(branch)}`
      : `https://github.com/${repo}/compare/${segments(base)}...${segments(branch)}?expand=1`,
  "gitlab.com": (repo, branch, base) =>
    `https://gitlab.com/${repo}/-/merge_requests/new?${query({
      "merge_request[source_branch]": branch,
      ...(base === null ? {} : { "merge_request[target_branch]": base }),
    })}`,
  "bitbucket.org": (repo, branch, base) =>
    `https://bitbucket.org/${repo}/pull-requests/new?${query({ source: branch, ...(base === null ? {} : { dest: base }) })}`,
};

/**
 * The page to open a pull (merge) request of `branch` into `base` (null: the default branch) for
 * the repository at `url` (https://host/owner/repo[.git], ssh://git@host/owner/repo[.git] or
 * git@host:owner/repo[.git]); null for other hosts.
 */
export function compareUrl(url: string, branch: string, base: string | null): string | null {
  const location = hostAndPath(url);
  if (location === undefined) return null;
  const build = HOSTS[location.host];
  const repo = location.path.replace(/\/+$/, "").replace(/\.git$/, "");
  if (build === undefined || !/^[\w.-]+(?:\/[\w.-]+)+$/.test(repo)) return null;
  return build(repo, branch, base);
}

function hostAndPath(url: string): { host: string; path: string } | undefined {
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(url);
  if (scp?.[1] !== undefined && scp[2] !== undefined) return { host: scp[1].toLowerCase(), path: scp[2] };
  try {
    const parsed = new URL(url);
    return { host: parsed.hostname.toLowerCase(), path: parsed.pathname.replace(/^\/+/, "") };
  } catch {
    // Not a URL git could push to either: no page to offer.
    return undefined;
  }
}

/** A branch name in a URL path: its "/" kept, everything else percent-encoded. */
function segments(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

function query(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join("&");
}
