/** Values the container tests' global setup provides. */
declare module "vitest" {
  export interface ProvidedContext {
    containerHostUrl: string;
    gitRepository: { url: string; commit: string; featureCommit: string };
  }
}

export {};
