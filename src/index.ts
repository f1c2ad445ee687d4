/**
 * Worker entry: the HTTP app and the Durable Object classes wrangler.toml binds, and
 * @cloudflare/containers' ContainerProxy, which a Container object reaches through `ctx.exports`
 * whenever it comes up beside a running container (without it, every such start logs an
 * unhandled "ctx.exports.ContainerProxy is undefined").
 */
import { createApp } from "./app.ts";

export { ContainerProxy } from "@cloudflare/containers";
export { Account } from "./account/account.ts";
export { TokenRegistry } from "./auth/token-registry.ts";
export { KiroContainer } from "./runner/container.ts";
export { KiroSession } from "./session/kiro-session.ts";

export default createApp();
