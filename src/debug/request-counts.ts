/**
 * Durable Object requests counted by what asked for them, for `npm run bench` and `npm run load`:
 * a serverless bill is made of these, and a hop saved shows here before it shows in a latency.
 *
 * Off unless KIRO_DEBUG_COUNTERS=1. Like the conformance fixtures (src/mcp/tasks/fixtures/guard.ts)
 * it is deliberately not a [vars] entry of wrangler.toml: `npm run dev` passes it to `wrangler dev`
 * as `--var` only when its own environment has it, and GET /debug/do-requests answers only on a
 * loopback host, which a deployed Worker never is. Off, `countedEnv` hands back the very same env
 * and nothing is counted.
 *
 * The counts live at module scope on purpose: they are a measurement of this isolate (in `wrangler
 * dev` the Worker and every Durable Object share one), never state anything reads to decide.
 */
import { Hono } from "hono";
import { LOOPBACK_HOSTNAMES } from "../auth/authenticate.ts";

const counts = new Map<string, number>();

/** The Durable Object bindings whose stubs are counted, by the class they reach. */
const NAMESPACES = {
  ACCOUNT: "Account",
  KIRO_SESSION: "KiroSession",
  TOKEN_REGISTRY: "TokenRegistry",
  KIRO_CONTAINER: "KiroContainer",
} as const satisfies Partial<Record<keyof Env, string>>;

export function countingEnabled(env: Env): boolean {
  return (env as unknown as Record<string, unknown>).KIRO_DEBUG_COUNTERS === "1";
}

/** Counts one request to `what` ("KiroSession.alarm", "KiroContainer.fetch", …) when counting is on. */
export function countRequest(env: Env, what: string): void {
  if (countingEnabled(env)) counts.set(what, (counts.get(what) ?? 0) + 1);
}

/** `env` whose Durable Object stubs count every call made through them (`env` itself when off). */
export function countedEnv(env: Env): Env {
  if (!countingEnabled(env)) return env;
  const wrapped: Record<string, unknown> = { ...env };
  for (const [binding, className] of Object.entries(NAMESPACES)) {
    const namespace = (env as unknown as Record<string, DurableObjectNamespace>)[binding];
    if (namespace) wrapped[binding] = countedNamespace(namespace, className);
  }
  return wrapped as unknown as Env;
}

function countedNamespace(namespace: DurableObjectNamespace, className: string): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== "getByName" && prop !== "get")
        return typeof value === "function" ? value.bind(target) : value;
      return (...args: unknown[]) =>
        countedStub(Reflect.apply(value as () => object, target, args), className);
    },
  });
}

function countedStub(stub: object, className: string): object {
  return new Proxy(stub, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      // `then` is looked up when a stub is awaited; ids and names are not requests.
      if (typeof prop !== "string" || prop === "then" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        counts.set(`${className}.${prop}`, (counts.get(`${className}.${prop}`) ?? 0) + 1);
        // Reflect.apply: on an RPC stub, `value.apply` would itself be a remote method.
        return Reflect.apply(value, target, args);
      };
    },
  });
}

/** GET /debug/do-requests: the counts so far, as `{ counts: { "Class.method": n } }`. */
export function debugRoutes() {
  const debug = new Hono<{ Bindings: Env }>();
  debug.get("/do-requests", (c) => {
    const loopback = LOOPBACK_HOSTNAMES.includes(new URL(c.req.url).hostname);
    if (!countingEnabled(c.env) || !loopback) return c.notFound();
    return c.json({ counts: Object.fromEntries([...counts].sort()) });
  });
  return debug;
}
