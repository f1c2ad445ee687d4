/**
 * Whether a request without a token may be the local user: it must come from this machine,
 * straight to it. Three things say so together:
 * - it names a loopback host (Host), as a browser or client on this machine does;
 * - its peer, CF-Connecting-IP, is a loopback address: under `wrangler dev` the address of the
 *   socket the request came in on (Miniflare sets it), on Cloudflare the client's real address,
 *   which is never a loopback one; a request without it is not trusted;
 * - no proxy says it forwarded the request (X-Forwarded-For and the like): a tunnel or reverse
 *   proxy on this machine would otherwise make a remote client look local.
 */
export const LOOPBACK_HOSTNAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** Headers proxies add for the client they forward for. */
const PROXY_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host", "true-client-ip"];

const LOOPBACK_IP = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** Why `request` is not from a local client, in words for the refusal; undefined when it is. */
export function notLocal(request: Request): string | undefined {
  if (!LOOPBACK_HOSTNAMES.includes(new URL(request.url).hostname)) {
    return "it was not sent to a loopback address";
  }
  const proxy = PROXY_HEADERS.find((name) => request.headers.has(name));
  if (proxy !== undefined) return `it came through a proxy (${proxy})`;
  const peer = request.headers.get("cf-connecting-ip")?.trim() ?? "";
  if (!LOOPBACK_IP.test(peer)) return "it did not come from this machine";
  return undefined;
}
