/** Where `npm run dev` keeps local state: KIRO_DEV_STATE_DIR, default `.kiro-dev/` in the repository. */
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function devStateDir(): string {
  return path.resolve(process.env.KIRO_DEV_STATE_DIR ?? path.join(ROOT, ".kiro-dev"));
}

/** The admin token of the local dev server, which `npm run token` uses by default. */
export function devAdminTokenFile(): string {
  return path.join(devStateDir(), "admin-token");
}

/** KIRO_SECRETS_KEY of the local dev server: it encrypts the secrets users store there. */
export function devSecretsKeyFile(): string {
  return path.join(devStateDir(), "secrets-key");
}
