import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type IdentifiedEnv, identify } from "../auth/identify.ts";
import { ErrorCode, errorJson } from "../errors.ts";
import { accountObjectName } from "../ids.ts";
import { createLogger } from "../util/log.ts";
import { MAX_SECRET_BYTES } from "./names.ts";

/** A body holds one value and its JSON quoting. */
const MAX_BODY_BYTES = 4 * MAX_SECRET_BYTES;

/**
 * A user's own secrets, with the same credentials /mcp takes (their bearer token; the local user
 * in local mode) — never through an MCP tool, whose arguments pass through the client's model:
 *   PUT    /account/secrets/:name   {"value": "…"} → {name, created_at, updated_at}
 *   GET    /account/secrets         → {secrets: [{name, created_at, updated_at}]}  (never values)
 *   DELETE /account/secrets/:name   → {name, deleted: true}
 * `npm run secrets` is the client. Values are never logged or returned.
 */
export function secretRoutes() {
  const routes = new Hono<IdentifiedEnv>();
  const log = createLogger({ component: "secrets" });
  routes.use("*", identify());

  routes.put(
    "/:name",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        errorJson(c, ErrorCode.BodyTooLarge, `A secret is at most ${MAX_SECRET_BYTES} characters.`),
    }),
    async (c) => {
      const userId = c.get("identity")?.userId ?? "";
      const body = (await c.req.json().catch(() => null)) as { value?: unknown } | null;
      if (typeof body?.value !== "string") {
        return errorJson(c, ErrorCode.BadRequest, 'The body must be JSON: {"value": "<the secret>"}.');
      }
      const stored = await account(c.env, userId).putSecret(userId, c.req.param("name"), body.value);
      if (!stored.ok) return errorJson(c, stored.error.code, stored.error.message);
      log.info("secret.stored", { user_id: userId, name: stored.value.name });
      return c.json(stored.value);
    },
  );

  routes.get("/", async (c) => {
    const userId = c.get("identity")?.userId ?? "";
    return c.json({ secrets: await account(c.env, userId).listSecrets() });
  });

  routes.delete("/:name", async (c) => {
    const userId = c.get("identity")?.userId ?? "";
    const name = c.req.param("name");
    if (!(await account(c.env, userId).deleteSecret(name))) {
      return errorJson(
        c,
        ErrorCode.NotFound,
        `You have no stored secret ${JSON.stringify(name.slice(0, 64))}.`,
      );
    }
    log.info("secret.deleted", { user_id: userId, name });
    return c.json({ name, deleted: true });
  });

  return routes;
}

function account(env: Env, userId: string) {
  return env.ACCOUNT.getByName(accountObjectName(userId));
}
