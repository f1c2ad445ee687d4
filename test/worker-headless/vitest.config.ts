import { workersProject } from "../helpers/workers-project.ts";

/**
 * The driver-independent Worker tests again, against a runner with the headless driver
 * (`kiro-cli chat --no-interactive` per message): streaming, resume, cancel, failures and faults.
 */
export default workersProject("workers-headless", ["test/worker/chat.test.ts", "test/worker/faults.test.ts"]);
