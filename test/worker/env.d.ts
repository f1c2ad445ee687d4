/** Values the worker project's global setup provides to tests and to the pool configuration. */
declare module "vitest" {
  export interface ProvidedContext {
    runnerUrl: string;
    runnerSecret: string;
    controlUrl: string;
    workspaceRoot: string;
    gitRepository: { url: string; commit: string; featureCommit: string };
    /** The same repository over http behind basic auth: the token is its GIT_TOKEN. */
    privateRepository: { url: string; token: string };
    /** The stand-in GitHub (test/helpers/github-stand-in.ts): only in the workers-github project. */
    githubUrl: string;
  }
}

export {};
