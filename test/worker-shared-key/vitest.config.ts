import { workersProject } from "../helpers/workers-project.ts";

/** KIRO_SHARED_API_KEY=allow: users without a key of their own run with the operator's. */
export default workersProject("workers-shared-key", ["test/worker-shared-key/**/*.test.ts"], {
  KIRO_SHARED_API_KEY: "allow",
  KIRO_API_KEY: "operator-shared-key-0123456789",
});
