/**
 * The protocol between the Worker and the runner, in one runtime-neutral module that both sides
 * import, types and values alike: the HTTP API and its events (api.ts), the error codes with
 * their HTTP statuses (error-codes.ts), Kiro's turn metadata (metadata.ts), permission requests
 * and their answers (permissions.ts), UTF-8 byte cuts (utf8.ts), credential stripping of
 * repository URLs (urls.ts), and getting work out: diff, file, push (workspace.ts).
 *
 * Runtime-neutral means: no imports at all, no Node APIs (no Buffer, no node: modules) and no
 * Workers APIs, only what JavaScript itself has (URL included). The runner runs it under Node,
 * the Worker bundles it for workerd, and it lives under container/ because the image's build
 * context is container/: the runner never needs anything from src/.
 */
export * from "./api.ts";
export * from "./error-codes.ts";
export * from "./metadata.ts";
export * from "./permissions.ts";
export * from "./urls.ts";
export * from "./utf8.ts";
export * from "./workspace.ts";
