/**
 * Kiro's answer as Markdown for the live view, rendered without ever producing HTML: markdown-it
 * parses it with raw HTML off (`<script>`, `<img onerror>` and HTML blocks stay text), and its
 * tokens become a tree of allowlisted elements and plain strings that the page builds with
 * createElement and text nodes (page-script.ts checks the tree again). Links keep only http(s)
 * and mailto targets; an image becomes a link to it, so the page loads nothing.
 */
import MarkdownIt, { type Token } from "markdown-it";

/** The elements a rendered answer may hold; the page refuses any other. */
export const MARKDOWN_TAGS = [
  "p",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "ul",
  "ol",
  "li",
  "blockquote",
  "pre",
  "code",
  "em",
  "strong",
  "s",
  "a",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
  "hr",
  "br",
] as const;
export type MarkdownTag = (typeof MARKDOWN_TAGS)[number];

/** An element of a rendered answer: its tag, the few attributes it may have, its children. */
export interface MarkdownElement {
  tag: MarkdownTag;
  /** `a`: an http(s) or mailto URL. */
  href?: string;
  /** `ol`: the first item's number. */
  start?: number;
  /** `th`, `td`: the column's alignment. */
  align?: "left" | "center" | "right";
  children: MarkdownNode[];
}
/** A string is text, shown as text whatever it holds. */
export type MarkdownNode = string | MarkdownElement;

/** The link targets a rendered answer keeps: the web and mail, never javascript:, data: or our own paths. */
export const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

const TAG_SET: ReadonlySet<string> = new Set(MARKDOWN_TAGS);

/**
 * Configuration only (no request state): raw HTML off, bare URLs linked, unsafe links left as
 * text; a line break in a paragraph stays a line break, as in a chat (Kiro writes line by line).
 */
const parser = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: true });
parser.validateLink = (url) => SAFE_LINK.test(url.trim());

/** The answer's Markdown as a tree of safe nodes. */
export function renderMarkdown(text: string): MarkdownNode[] {
  const root: MarkdownElement = { tag: "p", children: [] };
  build(parser.parse(text, {}), root);
  return root.children;
}

/** Appends `tokens` under `parent`: opening tokens nest, closing ones return, the rest are leaves. */
function build(tokens: readonly Token[], parent: MarkdownElement): void {
  const stack = [parent];
  for (const token of tokens) {
    const top = stack.at(-1) ?? parent;
    if (token.nesting === 1) {
      // A tight list's paragraphs are hidden: their text goes straight into the item.
      const element = token.hidden ? top : opened(token);
      if (element !== top) top.children.push(element);
      stack.push(element);
    } else if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
    } else {
      leaf(token, top);
    }
  }
}

function opened(token: Token): MarkdownElement {
  const tag = TAG_SET.has(token.tag) ? (token.tag as MarkdownTag) : "p";
  const element: MarkdownElement = { tag, children: [] };
  if (tag === "a") {
    const href = String(token.attrGet("href") ?? "");
    if (SAFE_LINK.test(href)) element.href = href;
  }
  if (tag === "ol") {
    const start = Number(token.attrGet("start") ?? 1);
    if (Number.isSafeInteger(start) && start !== 1) element.start = start;
  }
  if (tag === "th" || tag === "td") {
    const align = /text-align:(left|center|right)/.exec(String(token.attrGet("style") ?? ""))?.[1];
    if (align === "left" || align === "center" || align === "right") element.align = align;
  }
  return element;
}

function leaf(token: Token, parent: MarkdownElement): void {
  if (token.type === "inline") build(token.children ?? [], parent);
  else parent.children.push(...leafNodes(token));
}

function leafNodes(token: Token): MarkdownNode[] {
  switch (token.type) {
    case "code_inline":
      return [{ tag: "code", children: [token.content] }];
    case "code_block":
    case "fence":
      return [{ tag: "pre", children: [{ tag: "code", children: [token.content] }] }];
    case "softbreak":
    case "hardbreak":
      return [{ tag: "br", children: [] }];
    case "hr":
      return [{ tag: "hr", children: [] }];
    case "image":
      return [image(token)];
    default:
      // text, and anything a later markdown-it adds: its source, as text.
      return token.content === "" ? [] : [token.content];
  }
}

/** An image is shown as a link to it (the page loads no images): "image: <alt>". */
function image(token: Token): MarkdownNode {
  const alt = `image: ${token.content || "(no description)"}`;
  const src = String(token.attrGet("src") ?? "");
  return SAFE_LINK.test(src) ? { tag: "a", href: src, children: [alt] } : alt;
}
