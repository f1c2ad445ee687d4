import { GITHUB_STAND_IN_CLIENT } from "../helpers/github-stand-in.ts";
import { workersProject } from "../helpers/workers-project.ts";

/** GitHub sign-in, against the stand-in GitHub, with an allowlist of one login and one org. */
export default workersProject(
  "workers-github",
  ["test/worker-github/**/*.test.ts"],
  {
    GITHUB_CLIENT_ID: GITHUB_STAND_IN_CLIENT.id,
    GITHUB_CLIENT_SECRET: GITHUB_STAND_IN_CLIENT.secret,
    KIRO_ALLOWED_USERS: "OctoCat, org:kiro-team",
  },
  {
    globalSetup: ["test/worker-github/global-setup.ts"],
    injected: { KIRO_GITHUB_BASE_URL: "githubUrl", KIRO_GITHUB_API_URL: "githubUrl" },
  },
);
