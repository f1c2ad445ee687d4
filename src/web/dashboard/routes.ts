/**
 * GET  /                                  the dashboard (not signed in: /login?next=/)
 * POST /dashboard/secrets                 set a secret (name, value)
 * POST /dashboard/secrets/:name/delete    delete one
 * POST /dashboard/tokens/:id/revoke       revoke one of the person's tokens
 * POST /dashboard/clients/:grant/revoke   disconnect an MCP client they signed in with OAuth
 * Every POST needs the person's sign-in, their CSRF token and this server's Origin; another
 * user's token or an unknown one is "not found" alike. A done form returns to the dashboard
 * (303) saying so; a refused one is a page that says why. Nothing here is cached.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { tokenRegistry } from "../../auth/authenticate.ts";
import { verifiedTokens } from "../../auth/token-cache.ts";
import { TOKEN_ID_PATTERN } from "../../auth/tokens.ts";
import { accountOf } from "../../mcp/context.ts";
import { MAX_SECRET_BYTES } from "../../secrets/names.ts";
import { type BrowserUser, loginPath, signedInUser } from "../browser-session.ts";
import { CSRF_FIELD, crossSiteProblem } from "../csrf.ts";
import { disconnectClient } from "./clients.ts";
import { contextOf, dashboardData } from "./data.ts";
import { dashboardPage, NOTICES, type NoticeKey, problemPage } from "./page.ts";

type WebEnv = { Bindings: Env };
type Form = Record<string, unknown>;

/** A form holds a secret of at most MAX_SECRET_BYTES, its name and the CSRF token. */
const MAX_FORM_BYTES = 4 * MAX_SECRET_BYTES;

export function dashboardRoutes() {
  const routes = new Hono<WebEnv>();
  // Mounted at "/": its middleware names its own paths only, never "*" (that would be every route).
  for (const path of ["/", "/dashboard/*"]) {
    routes.use(path, async (c, next) => {
      await next();
      c.header("Cache-Control", "no-store");
    });
  }

  // Browsers ask for an icon with every page: none, rather than a 404 for each.
  routes.get("/favicon.ico", (c) => c.body(null, 204));

  routes.get("/", async (c) => {
    const user = await signedInUser(c.req.raw, c.env);
    if (!user) return c.redirect(loginPath("/"), 303);
    const data = await dashboardData(user, contextOf(user, c.env, c.req.raw), c.req.raw);
    const done = c.req.query("done");
    return dashboardPage(
      data,
      done !== undefined && done in NOTICES ? NOTICES[done as NoticeKey] : undefined,
    );
  });

  routes.use(
    "/dashboard/*",
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: () => problemPage("Too large", `A secret is at most ${MAX_SECRET_BYTES} characters.`, 400),
    }),
  );

  routes.post("/dashboard/secrets", async (c) => {
    const form = await guard(c);
    if (form instanceof Response) return form;
    const { user, fields } = form;
    const name = text(fields.name);
    const stored = await accountOf(contextOf(user, c.env, c.req.raw)).putSecret(
      user.userId,
      name,
      text(fields.value),
    );
    if (!stored.ok)
      return problemPage(
        "Not saved",
        stored.error.message,
        stored.error.code === "secrets_unavailable" ? 503 : 400,
      );
    log(c, user).info("secret.stored", { user_id: user.userId, name: stored.value.name });
    return done(c, "secret_saved");
  });

  routes.post("/dashboard/secrets/:name/delete", async (c) => {
    const form = await guard(c);
    if (form instanceof Response) return form;
    const name = c.req.param("name");
    if (!(await accountOf(contextOf(form.user, c.env, c.req.raw)).deleteSecret(name))) {
      return problemPage("Not found", `You have no stored secret ${JSON.stringify(name.slice(0, 64))}.`, 404);
    }
    log(c, form.user).info("secret.deleted", { user_id: form.user.userId, name });
    return done(c, "secret_deleted");
  });

  routes.post("/dashboard/tokens/:id/revoke", async (c) => {
    const form = await guard(c);
    if (form instanceof Response) return form;
    const id = c.req.param("id");
    const registry = tokenRegistry(c.env);
    const owned = TOKEN_ID_PATTERN.test(id) && (await registry.liveUser(id)) === form.user.userId;
    if (!owned || !(await registry.revoke(id))) {
      return problemPage("Not found", "You have no live token with that id.", 404);
    }
    verifiedTokens.forget(id); // other isolates stop trusting it within TOKEN_CACHE_MS
    log(c, form.user).info("token.revoked", { user_id: form.user.userId, token_id: id });
    return done(c, "token_revoked");
  });

  routes.post("/dashboard/clients/:grant/revoke", async (c) => {
    const form = await guard(c);
    if (form instanceof Response) return form;
    const grant = c.req.param("grant");
    if (!(await disconnectClient(c.req.raw, c.env, form.user.userId, grant))) {
      return problemPage("Not found", "You have no connected client with that id.", 404);
    }
    log(c, form.user).info("oauth.client_disconnected", { user_id: form.user.userId, grant_id: grant });
    return done(c, "client_disconnected");
  });

  return routes;
}

/**
 * The signed-in person and their form, when the post may proceed: signed in (else to /login),
 * from this server's page (Origin) with their CSRF token (else 403 saying which failed).
 */
async function guard(c: Context<WebEnv>): Promise<{ user: BrowserUser; fields: Form } | Response> {
  const user = await signedInUser(c.req.raw, c.env);
  if (!user) return c.redirect(loginPath("/"), 303);
  const fields = (await c.req.parseBody().catch(() => ({}))) as Form;
  const problem = await crossSiteProblem(c.req.raw, user.csrfToken, text(fields[CSRF_FIELD]) || undefined);
  if (problem !== undefined) return problemPage("Refused", problem, 403);
  return { user, fields };
}

function done(c: Context<WebEnv>, notice: NoticeKey): Response {
  return c.redirect(`/?done=${notice}`, 303);
}

function log(c: Context<WebEnv>, user: BrowserUser) {
  return contextOf(user, c.env, c.req.raw).log;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}
