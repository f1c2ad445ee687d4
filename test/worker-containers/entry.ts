/**
 * The Worker as deployed, with one difference: each session's KiroContainer gets a FakeContainer
 * as `ctx.container` (containers cannot run here). Everything above it — the session object, the
 * real KiroContainer with its start, proxy, idle stop and snapshots — is the product's own code.
 */
import { KiroContainer as ProductContainer } from "../../src/runner/container.ts";
import { FakeContainer } from "./fake-container.ts";

export * from "../../src/index.ts";
export { default } from "../../src/index.ts";

export class KiroContainer extends ProductContainer {
  constructor(ctx: DurableObjectState, env: Env) {
    const host = (env as Env & { CONTAINER_HOST_URL: string }).CONTAINER_HOST_URL;
    Object.defineProperty(ctx, "container", {
      value: new FakeContainer(host, ctx.id.toString()),
      configurable: true,
    });
    super(ctx, env);
  }
}
