/**
 * Cloudflare's container platform as far as a session's container needs it, played on this
 * machine for tests in workerd (test/worker-containers/fake-container.ts talks to it): each
 * container is a real runner process with a disk of its own (its workspace and KIRO_HOME), which
 * a fresh start wipes; a snapshot is a copy of that disk, and a start from a snapshot copies it
 * back. So a save → stop → restore cycle keeps exactly what the real one keeps: the files and
 * Kiro's conversations on disk, nothing of the processes.
 *
 *   POST /start?id=C   {snapshot, image, instance, env}  → {port}; 404 for an unknown snapshot
 *   POST /stop?id=C    (SIGTERM, as an idle KiroContainer sends)   → {code}
 *   POST /destroy?id=C (SIGKILL, disk gone)                       → {}
 *   POST /snapshot?id=C                                            → {id, size}
 *   GET  /wait?id=C    answers when C's runner exits               → {code}
 *   POST /forget-snapshots                                         → {} (every snapshot is gone)
 *   GET  /log                                                      → what was started from what
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type RunnerProcess, startRunner } from "./runner-process.ts";

export interface ContainerHost {
  url: string;
  close(): Promise<void>;
}

/** What a start was asked to start from: a snapshot, or an image. */
export interface StartLog {
  id: string;
  snapshot: string | null;
  image: string | null;
  instance: unknown;
}

interface StartBody {
  snapshot?: string | null;
  image?: string | null;
  instance?: unknown;
  env?: Record<string, string>;
}

interface Running {
  runner: RunnerProcess;
  exited: Promise<number | null>;
}

export async function startContainerHost(
  root: string,
  runnerEnv: Record<string, string>,
): Promise<ContainerHost> {
  const running = new Map<string, Running>();
  const log: StartLog[] = [];
  let snapshots = 0;
  const disk = (id: string) => path.join(root, "containers", id.replace(/[^A-Za-z0-9]/g, "").slice(0, 64));
  const snapshotDir = (snapshot: string) =>
    path.join(root, "snapshots", snapshot.replace(/[^A-Za-z0-9-]/g, ""));

  const start = async (id: string, body: StartBody) => {
    const snapshot = body.snapshot ?? null;
    await stop(id, "SIGKILL");
    log.push({ id, snapshot, image: body.image ?? null, instance: body.instance ?? null });
    const dir = disk(id);
    rmSync(dir, { recursive: true, force: true });
    if (snapshot !== null) {
      if (!existsSync(snapshotDir(snapshot))) return undefined;
      cpSync(snapshotDir(snapshot), dir, { recursive: true });
    } else {
      mkdirSync(path.join(dir, "workspace"), { recursive: true });
      mkdirSync(path.join(dir, "kiro-home"), { recursive: true });
    }
    const runner = await startRunner({
      workspaceRoot: path.join(dir, "workspace"),
      kiroHome: path.join(dir, "kiro-home"),
      ...(body.env?.KIRO_RUNNER_SECRET && { secret: body.env.KIRO_RUNNER_SECRET }),
      env: runnerEnv,
    });
    running.set(id, { runner, exited: runner.exited.then((exit) => exit.code) });
    return runner.port;
  };

  const stop = async (id: string, signal: NodeJS.Signals) => {
    const current = running.get(id);
    if (current === undefined) return null;
    running.delete(id);
    return (await current.runner.stop(signal)).code;
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://host");
    const id = url.searchParams.get("id") ?? "";
    const reply = (status: number, body: unknown) =>
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    void readBody(request)
      .then(async (body) => {
        const route = `${request.method} ${url.pathname}`;
        if (route === "POST /start") {
          const port = await start(id, body);
          return port === undefined ? reply(404, { error: "no such snapshot" }) : reply(200, { port });
        }
        if (route === "POST /stop") return reply(200, { code: await stop(id, "SIGTERM") });
        if (route === "POST /destroy") {
          await stop(id, "SIGKILL");
          rmSync(disk(id), { recursive: true, force: true });
          return reply(200, {});
        }
        if (route === "POST /snapshot") {
          const snapshot = `snap-${++snapshots}`;
          cpSync(disk(id), snapshotDir(snapshot), { recursive: true });
          return reply(200, { id: snapshot, size: sizeOf(snapshotDir(snapshot)) });
        }
        if (route === "GET /wait") return reply(200, { code: await (running.get(id)?.exited ?? null) });
        if (route === "POST /forget-snapshots") {
          rmSync(path.join(root, "snapshots"), { recursive: true, force: true });
          return reply(200, {});
        }
        if (route === "GET /log") return reply(200, log);
        return reply(404, { error: `no route ${route}` });
      })
      .catch((error: unknown) => reply(500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await Promise.all([...running.keys()].map((id) => stop(id, "SIGKILL")));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: http.IncomingMessage): Promise<StartBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as StartBody);
}

function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}
