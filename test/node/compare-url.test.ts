import { describe, expect, it } from "vitest";
import { compareUrl } from "../../src/session/compare-url.ts";

describe("compareUrl", () => {
  it.each([
    [
      "https://github.com/acme/widget.git",
      "main",
      "https://github.com/acme/widget/compare/main...kiro/fix?expand=1",
    ],
    ["git@github.com:acme/widget.git", null, "https://github.com/acme/widget/pull/new/kiro/fix"],
    [
      "https://gitlab.com/group/sub/widget",
      "main",
      "https://gitlab.com/group/sub/widget/-/merge_requests/new?merge_request%5Bsource_branch%5D=kiro%2Ffix&merge_request%5Btarget_branch%5D=main",
    ],
    [
      "ssh://git@bitbucket.org/acme/widget.git",
      "dev",
      "https://bitbucket.org/acme/widget/pull-requests/new?source=kiro%2Ffix&dest=dev",
    ],
  ])("links %s to its pull-request page", (url, base, expected) => {
    expect(compareUrl(url, "kiro/fix", base)).toBe(expected);
  });

  it.each([
    "http://127.0.0.1:4000/origin.git",
    "https://git.example.com/acme/widget.git",
    "https://github.com/",
    "not a url",
  ])("offers nothing for %s", (url) => {
    expect(compareUrl(url, "kiro/fix", "main")).toBeNull();
  });

  it("keeps a branch's slashes and encodes the rest", () => {
    expect(compareUrl("https://github.com/a/b", "kiro/a b#1", null)).toBe(
      "https://github.com/a/b/pull/new/kiro/a%20b%231",
    );
  });
});
