/**
 * A stand-in for GitHub's OAuth app endpoints, for tests: a node http server on 127.0.0.1 that
 * behaves like github.com and api.github.com for the web application flow.
 *   GET  /login/oauth/authorize      "signs in" as the current user (or `?login=`) and redirects
 *                                    to redirect_uri with a one-time code and the state
 *   POST /login/oauth/access_token   code → access token (client id and secret, redirect URI checked)
 *   GET  /user                       { id, login } of the token's user
 *   GET  /user/orgs                  [{ login }] of their organizations
 *   POST /_control/user              { login }: who signs in next (tests)
 * Codes work once; tokens work only on the API.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInUser {
  id: number;
  login: string;
  orgs: string[];
}

export const GITHUB_STAND_IN_CLIENT = { id: "Iv1.standin", secret: "stand-in-secret-0123456789" };

/** The accounts of the stand-in: an allowlisted login, an org member, and an outsider. */
export const STAND_IN_USERS: readonly StandInUser[] = [
  { id: 583231, login: "octocat", orgs: [] },
  { id: 1001, login: "hubot", orgs: ["kiro-team"] },
  { id: 6666, login: "mallory", orgs: ["elsewhere"] },
];

export interface GithubStandIn {
  url: string;
  /** Who the next sign-in is. */
  signInAs(login: string): void;
  /** How many codes were exchanged (a refused sign-in never reaches the exchange). */
  exchanges(): number;
  close(): Promise<void>;
}

export async function startGithubStandIn(users = STAND_IN_USERS): Promise<GithubStandIn> {
  let current = users[0]?.login ?? "";
  let exchanged = 0;
  const codes = new Map<string, { login: string; redirectUri: string }>();
  const tokens = new Map<string, string>();
  const byLogin = (login: string) => users.find((user) => user.login === login);

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const form = async () => new URLSearchParams(await bodyOf(request));
    const userOfToken = () =>
      byLogin(tokens.get((request.headers.authorization ?? "").replace(/^Bearer /, "")) ?? "");

    if (url.pathname === "/login/oauth/authorize") {
      const redirectUri = url.searchParams.get("redirect_uri") ?? "";
      if (url.searchParams.get("client_id") !== GITHUB_STAND_IN_CLIENT.id)
        return json(400, { error: "bad client" });
      const code = randomBytes(10).toString("hex");
      codes.set(code, { login: url.searchParams.get("login") ?? current, redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      return response.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === "/login/oauth/access_token" && request.method === "POST") {
      const body = await form();
      const grant = codes.get(body.get("code") ?? "");
      codes.delete(body.get("code") ?? "");
      const clientOk =
        body.get("client_id") === GITHUB_STAND_IN_CLIENT.id &&
        body.get("client_secret") === GITHUB_STAND_IN_CLIENT.secret;
      if (!grant || !clientOk || body.get("redirect_uri") !== grant.redirectUri) {
        return json(200, { error: "bad_verification_code" });
      }
      exchanged++;
      const token = `gho_${randomBytes(12).toString("hex")}`;
      tokens.set(token, grant.login);
      return json(200, { access_token: token, token_type: "bearer", scope: "read:org" });
    }
    if (url.pathname === "/user") {
      const user = userOfToken();
      return user ? json(200, { id: user.id, login: user.login }) : json(401, { message: "Bad credentials" });
    }
    if (url.pathname === "/user/orgs") {
      const user = userOfToken();
      return user
        ? json(
            200,
            user.orgs.map((login) => ({ login })),
          )
        : json(401, { message: "Bad credentials" });
    }
    if (url.pathname === "/_control/user" && request.method === "POST") {
      current = (JSON.parse(await bodyOf(request)) as { login: string }).login;
      return json(200, { login: current });
    }
    json(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    signInAs: (login) => {
      current = login;
    },
    exchanges: () => exchanged,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function bodyOf(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
