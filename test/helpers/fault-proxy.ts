/**
 * A TCP proxy between the Worker and the runner that tests can break on purpose: cut every open
 * connection (a broken stream mid-task) or point it at a different runner (a runner restart
 * behind the same URL). Loopback only.
 */
import net from "node:net";

export interface FaultProxy {
  url: string;
  /** Destroys every connection open through the proxy right now. */
  cut(): number;
  /** Sends new connections to another upstream port. */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  let target = upstreamPort;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      const count = open.size;
      for (const socket of open) socket.destroy();
      return count;
    },
    retarget(port: number) {
      target = port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
