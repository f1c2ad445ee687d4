import { Container } from "@cloudflare/containers";

/** Port the runner listens on inside the container (container/Dockerfile sets PORT to it). */
export const RUNNER_PORT = 8080;

/**
 * One container per Kiro session, named after its session object, running the runner
 * (container/src/main.ts) with kiro-cli inside. Only the session object talks to it.
 *
 * It stays awake while a run's event stream is open (the library counts a streaming response as
 * an in-flight request) and sleeps after `sleepAfter` of quiet; its disk is ephemeral.
 */
export class KiroContainer extends Container<Env> {
  override defaultPort = RUNNER_PORT;
  override sleepAfter = "15m";
  override enableInternet = true;

  constructor(ctx: ConstructorParameters<typeof Container>[0], env: Env) {
    super(ctx, env);
    // Secrets reach the container as environment variables at start, never baked into the image.
    // The user's Kiro API key is not one of them: it comes with each run (StartRunRequest).
    this.envVars = {
      KIRO_RUNNER_SECRET: env.KIRO_RUNNER_SECRET ?? "",
      KIRO_WORKSPACE_ROOT: "/workspace",
    };
  }
}
