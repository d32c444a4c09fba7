// A TCP proxy in front of the Kafka broker that can lose the broker's answers: the request reaches the broker and
// is written, the client never hears so. Clients reach it through the broker's advertised listener.
import net from "node:net";

export type ProxyMode = "pass" | "drop-answers" | "refuse";

export class TcpFaultProxy {
  private mode: ProxyMode = "pass";
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => {
      if (this.mode === "refuse") {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, "127.0.0.1");
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.on("data", (chunk) => upstream.write(chunk));
      upstream.on("data", (chunk) => {
        if (this.mode === "pass") client.write(chunk);
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, "127.0.0.1", () => resolve()));
  }

  /** "refuse" also cuts every open connection. */
  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === "refuse") for (const socket of this.sockets) socket.destroy();
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
