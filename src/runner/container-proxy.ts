/**
 * Requests to a session's container, and how busy it is. Each request is forwarded to the
 * runner's port (`getTcpPort(RUNNER_PORT).fetch`) and counted in flight until its response body
 * has been read to the end or cancelled: the NDJSON event stream of a running turn stays open
 * until the turn's exit event, so while the session reads it the container never counts as idle.
 * When the container was last active is kept in the object's storage as well, so an alarm that
 * wakes the object after it was evicted still knows how long the container has been quiet.
 */

/** Where the time of the last activity is kept: the object's synchronous key-value storage. */
export type ActivityStorage = Pick<SyncKvStorage, "get" | "put">;

const ACTIVE_AT_KEY = "container.active_at";

export class ContainerActivity {
  readonly #storage: ActivityStorage;
  readonly #now: () => number;
  #inflight = 0;
  #activeAt: number;

  constructor(storage: ActivityStorage, now: () => number = Date.now) {
    this.#storage = storage;
    this.#now = now;
    this.#activeAt = storage.get<number>(ACTIVE_AT_KEY) ?? now();
  }

  /** Requests whose response has not ended yet. */
  get inflight(): number {
    return this.#inflight;
  }

  /** When the last request started or the last response ended. */
  get activeAt(): number {
    return this.#activeAt;
  }

  /** Counts the container as active from now, as after a request or a start. */
  touch(): void {
    this.#activeAt = this.#now();
    this.#storage.put(ACTIVE_AT_KEY, this.#activeAt);
  }

  /** A request begins; the function returned ends it (once, however often it is called). */
  begin(): () => void {
    this.#inflight += 1;
    this.touch();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inflight -= 1;
      this.touch();
    };
  }
}

/**
 * Forwards `request` to the container's port, counted in `activity` until the response body ends
 * or its reader cancels it (which cancels the runner's side too). A failure to reach the port is
 * thrown, uncounted.
 */
export async function forward(
  port: Fetcher,
  request: Request,
  activity: ContainerActivity,
): Promise<Response> {
  const end = activity.begin();
  let response: Response;
  try {
    response = await port.fetch(request.url.replace(/^https:/, "http:"), request);
  } catch (error) {
    end();
    throw error;
  }
  if (response.body === null) {
    end();
    return response;
  }
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  response.body.pipeTo(writable).then(end, end);
  return new Response(readable, response);
}
