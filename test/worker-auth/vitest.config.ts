import { workersProject } from "../helpers/workers-project.ts";

/** Authentication and per-user isolation, in workerd, with bearer tokens configured. */
export default workersProject("workers-auth", ["test/worker-auth/**/*.test.ts"]);
