/**
 * The platform's container handle (`ctx.container`, the `Container` interface of
 * worker-configuration.d.ts) played by test/helpers/container-host.ts: start() launches a real
 * runner process with a disk of its own — fresh from the image, or copied from a snapshot — and
 * the runner's port answers through getTcpPort(). Everything KiroContainer calls is here, typed by
 * the real interface; what it never calls throws.
 */

/** The runner image's reference, as `ctx.container.images.runner` gives it. */
export const FAKE_RUNNER_IMAGE = "registry.cloudflare.com/test/kiro-runner@sha256:0001";

export class FakeContainer implements Container {
  readonly #host: string;
  readonly #id: string;
  #running = false;
  #port: Promise<number> = Promise.reject(new Error("the container is not listening"));
  #monitor: Promise<void> = Promise.resolve();

  constructor(hostUrl: string, id: string) {
    this.#host = hostUrl;
    this.#id = id;
    this.#port.catch(() => {});
  }

  get running(): boolean {
    return this.#running;
  }

  get images(): Record<string, string> {
    return { runner: FAKE_RUNNER_IMAGE };
  }

  start(options?: ContainerStartupOptions): void {
    this.#running = true;
    const started = this.#call<{ port: number }>("POST", "start", {
      snapshot: options?.containerSnapshot?.id ?? null,
      image: options?.image ?? null,
      instance: options?.instance ?? null,
      env: options?.env ?? {},
    });
    this.#port = started.then((body) => body.port);
    this.#port.catch(() => {
      this.#running = false;
    });
    this.#monitor = this.#port.then(async () => {
      await this.#call("GET", "wait");
      this.#running = false;
    });
  }

  monitor(): Promise<void> {
    return this.#monitor;
  }

  async destroy(): Promise<void> {
    await this.#call("POST", "destroy");
    this.#running = false;
  }

  /** SIGTERM, which KiroContainer sends to an idle container; the runner drains and exits. */
  signal(signo: number): void {
    if (signo !== 15) throw new Error(`signal ${signo} is not played by the fake container`);
    void this.#call("POST", "stop").catch(() => {});
  }

  getTcpPort(): Fetcher {
    const forward = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      let port: number;
      try {
        port = await this.#port;
      } catch {
        throw new Error("the container is not listening");
      }
      const url = new URL(request.url);
      return fetch(new Request(`http://127.0.0.1:${port}${url.pathname}${url.search}`, request));
    };
    return { fetch: forward } as unknown as Fetcher;
  }

  async snapshotContainer(options?: ContainerSnapshotOptions): Promise<ContainerSnapshot> {
    const taken = await this.#call<{ id: string; size: number }>("POST", "snapshot");
    return { ...taken, ...(options?.name !== undefined && { name: options.name }) };
  }

  async setInactivityTimeout(): Promise<void> {}

  interceptOutboundHttp(): Promise<void> {
    throw new Error("not played by the fake container");
  }

  interceptAllOutboundHttp(): Promise<void> {
    throw new Error("not played by the fake container");
  }

  interceptOutboundHttps(): Promise<void> {
    throw new Error("not played by the fake container");
  }

  exec(): Promise<ExecProcess> {
    throw new Error("not played by the fake container");
  }

  async inspect(): Promise<ContainerInfo | null> {
    return null;
  }

  async #call<T = unknown>(method: string, action: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.#host}/${action}?id=${encodeURIComponent(this.#id)}`, {
      method,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`container ${action} failed: ${text}`);
    return JSON.parse(text) as T;
  }
}
