/**
 * The MCP SDK client's own OAuth support, as a client application uses it: an in-memory
 * OAuthClientProvider (registration, PKCE verifier, tokens), a loopback callback server that
 * receives the authorization code, and `connectWithOAuth`, which runs discovery → registration →
 * authorization (the browser step is the caller's: `authorize(url)` must end on the callback) →
 * token exchange → a connected client.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";

export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  /** Every token response saved, in order (a refresh adds one). */
  readonly history: OAuthTokens[] = [];
  authorizationUrl: URL | undefined;
  #verifier = "";

  readonly redirectUrl: string;

  constructor(redirectUrl: string) {
    this.redirectUrl = redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Kiro e2e client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
    this.history.push(tokens);
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
}

/** A loopback server at /callback that hands over the first authorization code it receives. */
export async function startCallbackServer(): Promise<{
  url: string;
  code: Promise<string>;
  close: () => Promise<void>;
}> {
  let deliver: (code: string) => void = () => {};
  const code = new Promise<string>((resolve) => {
    deliver = resolve;
  });
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://callback");
    const received = url.searchParams.get("code");
    response
      .writeHead(received ? 200 : 400, { "content-type": "text/plain" })
      .end(received ? "Signed in." : "No code.");
    if (received) deliver(received);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    code,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function newClient(mcpUrl: string, provider: OAuthClientProvider) {
  const client = new Client({ name: "kiro-mcp-edge-oauth-tests", version: "0.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  return { client, transport };
}

/**
 * Connects to `mcpUrl` with OAuth: the first attempt is refused and sends the provider to the
 * authorization URL, `authorize` completes it in a browser, the code is exchanged, and the
 * second attempt connects.
 */
export async function connectWithOAuth(
  mcpUrl: string,
  authorize: (authorizationUrl: URL, callback: { code: Promise<string> }) => Promise<void>,
): Promise<{ client: Client; provider: MemoryOAuthProvider }> {
  const callback = await startCallbackServer();
  try {
    const provider = new MemoryOAuthProvider(callback.url);
    const first = newClient(mcpUrl, provider);
    const refused = await first.client.connect(first.transport).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!(refused instanceof UnauthorizedError) || !provider.authorizationUrl) {
      throw new Error(`expected the server to ask for authorization, got ${String(refused)}`);
    }
    await authorize(provider.authorizationUrl, callback);
    await first.transport.finishAuth(await callback.code);
    const second = newClient(mcpUrl, provider);
    await second.client.connect(second.transport);
    return { client: second.client, provider };
  } finally {
    await callback.close();
  }
}

/** A fresh connection with what `provider` holds (tokens, client), as a restarted client makes. */
export async function reconnect(mcpUrl: string, provider: MemoryOAuthProvider): Promise<Client> {
  const { client, transport } = newClient(mcpUrl, provider);
  await client.connect(transport);
  return client;
}
