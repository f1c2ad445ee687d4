import {
  type RunnerClient,
  RunnerRequestError,
  type StartRunRequest,
  type StartRunResponse,
} from "./client.ts";

/**
 * Starts a run, retrying once when the runner could not be reached: the start may never have
 * arrived (a connection closed under it), and the run id makes the retry safe — if the first
 * attempt did arrive, the runner answers run_exists and the run it knows is the one we asked for.
 */
export async function startRunOnce(
  runner: RunnerClient,
  request: StartRunRequest,
): Promise<StartRunResponse> {
  try {
    return await runner.startRun(request);
  } catch (error) {
    if (!(error instanceof RunnerRequestError) || error.code !== "unreachable") throw error;
  }
  try {
    return await runner.startRun(request);
  } catch (error) {
    if (!(error instanceof RunnerRequestError) || error.code !== "run_exists") throw error;
    const known = await runner.run(request.run_id);
    return { run_id: known.run_id, boot_id: known.boot_id };
  }
}
