/**
 * KiroContainer's own lifecycle on the platform's container API (`ctx.container`, played by
 * container-platform.ts): a runner that never answers is a clear, bounded error; an idle container
 * is snapshotted, then stopped; a response still being read keeps it awake until its body ends or
 * is cancelled.
 */
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { KiroContainer } from "../../src/runner/container.ts";
import { containerFetch, FAILURE_HEADER } from "../../src/runner/container-answers.ts";
import { HttpRunnerClient } from "../../src/runner/http-client.ts";
import { fakePlatform, pause, withContainerContext } from "./container-platform.ts";

const FAST_START = { allocateMs: 2_000, readyMs: 500, probeMs: 100, pollMs: 50 };
const IMAGE = "registry.cloudflare.com/test/kiro-runner@sha256:0002";

/** A runner port that answers every request at once. */
const answering = async () => new Response("{}", { status: 404 });

it("gives up on a runner that never answers after the readiness deadline, with a clear error", async () => {
  const platform = fakePlatform({
    port: async () => {
      throw new Error("connection refused");
    },
  });
  platform.monitor = () => {
    platform.running = true;
    return new Promise(() => {});
  };
  await withContainerContext(platform, async (state) => {
    const container = new KiroContainer(state, env, { start: FAST_START });
    const began = Date.now();
    const response = await container.fetch(new Request("http://runner/health"));
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(response.status).toBe(504);
    expect(response.headers.get(FAILURE_HEADER)).toBe("not_ready");
    expect(await response.text()).toBe(
      "The session's container did not answer in time.\nthe container started, but its runner did not answer on port 8080 within 500 ms (last error: connection refused)",
    );
    expect(platform.starts).toBe(1);
    // The session's runner client: not a retryable no_container, the runner counts as unreachable.
    const runner = new HttpRunnerClient(containerFetch(container), "http://runner", "secret");
    await expect(runner.health()).rejects.toMatchObject({
      code: "unreachable",
      message: expect.stringContaining("did not answer on port 8080 within 500 ms"),
    });
    expect((await container.ensureStarted()).started).toBe(false);
  });
});

it("snapshots an idle container that holds new work, then stops it; an alarm before that leaves it be", async () => {
  const platform = fakePlatform({ port: answering, images: { runner: IMAGE } });
  platform.monitor = () => {
    platform.running = true;
    return new Promise(() => {});
  };
  await withContainerContext(platform, async (state) => {
    const container = new KiroContainer(state, env, { idleMs: 400, start: FAST_START });
    expect(await container.ensureStarted()).toMatchObject({ started: true, last: { seq: 1, kind: "fresh" } });
    expect(await container.status()).toEqual({ status: "running" });
    await container.snapshotSoon();
    await (await container.fetch(new Request("http://runner/health"))).text();
    await container.alarm();
    expect(platform.events).toEqual(["start"]);
    await pause(500);
    await container.alarm();
    expect(platform.events).toEqual(["start", "snapshot", "signal 15"]);
    expect(await container.status()).toEqual({ status: "stopping" });
  });
});

it("stops an idle container with nothing new without a snapshot", async () => {
  const platform = fakePlatform({ running: true, port: answering, images: { runner: IMAGE } });
  await withContainerContext(platform, async (state) => {
    const container = new KiroContainer(state, env, { idleMs: 200, start: FAST_START });
    await (await container.fetch(new Request("http://runner/health"))).text();
    await pause(300);
    await container.alarm();
    expect(platform.events).toEqual(["signal 15"]);
  });
});

/** A response whose body the test writes: a turn's event stream, open until the test ends it. */
function controlledStream() {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const write = (text: string) => controller?.enqueue(new TextEncoder().encode(text));
  return { response: new Response(body), write, end: () => controller?.close() };
}

it("stays awake while a response is being read, until its body ends or its reader cancels it", async () => {
  const streams = [controlledStream(), controlledStream()];
  let next = 0;
  const platform = fakePlatform({
    running: true,
    port: async (url) => {
      if (new URL(url).pathname !== "/events") return new Response("{}", { status: 404 });
      return (streams[next++] as ReturnType<typeof controlledStream>).response;
    },
  });
  await withContainerContext(platform, async (state) => {
    const container = new KiroContainer(state, env, { idleMs: 300, start: FAST_START });
    // Read to its end: awake for as long as it is open, idle from its end.
    const first = (await container.fetch(new Request("http://runner/events"))).body?.getReader();
    streams[0]?.write("one\n");
    expect((await first?.read())?.done).toBe(false);
    await pause(500);
    await container.alarm();
    expect(platform.events).toEqual([]);
    streams[0]?.end();
    expect((await first?.read())?.done).toBe(true);
    await container.alarm();
    expect(platform.events).toEqual([]);
    // Cancelled by its reader: no longer in flight.
    const second = (await container.fetch(new Request("http://runner/events"))).body?.getReader();
    await pause(500);
    await container.alarm();
    expect(platform.events).toEqual([]);
    await second?.cancel();
    await pause(400);
    await container.alarm();
    expect(platform.events).toEqual(["signal 15"]);
  });
});
