import {
  type RunnerClient,
  RunnerRequestError,
  type StartRunRequest,
  type StartRunResponse,
} from "./client.ts";

/**
 * Starts a run, idempotently and in order.
 *
 * An attempt that could not reach the runner (a connection closed under it, or no answer before
 * the deadline) is tried once more: the run id makes that safe — if the first attempt did arrive,
 * the runner answers run_exists and the run it knows is the one we asked for. When the runner
 * stays unreachable, the start is withdrawn: a cancel for the run id, sent without waiting, makes
 * a runner that reads the start late (it was frozen, or still booting) stop the run or refuse it,
 * so a start reported as failed never runs unseen.
 */
export async function startRun(runner: RunnerClient, request: StartRunRequest): Promise<StartRunResponse> {
  try {
    return await runner.startRun(request);
  } catch (error) {
    if (!unreachable(error)) throw error;
  }
  try {
    return await runner.startRun(request);
  } catch (error) {
    if (unreachable(error)) {
      void runner.cancelRun(request.run_id).catch(() => undefined);
      throw error;
    }
    if (!(error instanceof RunnerRequestError) || error.code !== "run_exists") throw error;
    const known = await runner.run(request.run_id);
    return { run_id: known.run_id, boot_id: known.boot_id };
  }
}

function unreachable(error: unknown): boolean {
  return error instanceof RunnerRequestError && error.code === "unreachable";
}
