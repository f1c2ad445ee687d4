import { workersProject } from "../helpers/workers-project.ts";

/** The Worker and its Durable Objects in workerd, in local mode (no tokens). */
export default workersProject("workers", ["test/worker/**/*.test.ts"]);
