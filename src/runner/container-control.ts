/**
 * The part of the platform's container API that a session's snapshots use: the handle on
 * `ctx.container` (`Container` in worker-configuration.d.ts) narrowed to starting a container
 * (from an image or a snapshot), snapshotting it and knowing whether it runs. KiroContainer hands
 * the real one to ContainerSnapshots; tests hand a fake that must satisfy the same types.
 */

/**
 * Snapshots need the `durable_object` scheduling policy (wrangler.toml): the container is started
 * with `image` (one of the images wrangler.toml names, from `images`) or `containerSnapshot`,
 * never both, and with its instance size.
 */
export interface ContainerControl {
  readonly running: boolean;
  /** Digest-pinned references of the images wrangler.toml names, by name. */
  readonly images: Record<string, string>;
  start(options: ContainerStartupOptions): void;
  snapshotContainer(options: ContainerSnapshotOptions): Promise<ContainerSnapshot>;
}

/** The platform's container handle, `ctx.container` (`Container` in worker-configuration.d.ts). */
export type PlatformContainer = NonNullable<DurableObjectState["container"]>;

/** The real handle satisfies the interface (checked by the type checker, never run). */
export const platformSatisfiesControl = (container: PlatformContainer): ContainerControl => container;

/** The image wrangler.toml builds from container/Dockerfile (`[containers.images.runner]`). */
export const RUNNER_IMAGE = "runner";

/** The instance each session's container runs on: 1/2 vCPU, 4 GiB, 8 GB disk. */
export const RUNNER_INSTANCE = "standard-1";

/** What KiroContainer starts a container with: everything but where its filesystem comes from. */
export type StartSettings = Omit<ContainerStartupOptions, "image" | "containerSnapshot" | "instance">;
