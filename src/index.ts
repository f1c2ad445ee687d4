/**
 * Worker entry: the HTTP app and the Durable Object classes wrangler.toml binds.
 */
import { createApp } from "./app.ts";

export { Account } from "./account/account.ts";
export { TokenRegistry } from "./auth/token-registry.ts";
export { KiroContainer } from "./runner/container.ts";
export { KiroSession } from "./session/kiro-session.ts";

export default createApp();
