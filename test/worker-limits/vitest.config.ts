import { workersProject } from "../helpers/workers-project.ts";

/** Per-user limits, in workerd, with limits small enough to reach. */
export default workersProject("workers-limits", ["test/worker-limits/**/*.test.ts"], {
  KIRO_MAX_SESSIONS: "3",
  KIRO_MAX_RUNNING_TASKS: "2",
});
