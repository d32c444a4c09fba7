// Small network helpers shared by the local service launchers and their tests.
import net from "node:net";
import { RuntimeFailure } from "../../cli/errors";

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Rejects with a one-line message when something already listens on 127.0.0.1:port. */
export function ensurePortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === "EADDRINUSE"
          ? "is already in use"
          : `cannot be opened (${error.code ?? error.message})`;
      reject(
        new RuntimeFailure(
          `${what}: port ${port} on 127.0.0.1 ${reason}; stop what uses it or choose another port`,
        ),
      );
    });
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/** True when a TCP connection to 127.0.0.1:port succeeds. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns true, `abort` returns a reason to give up, or `timeoutMs` passes.
 * Throws with `describe()` in the message so the caller can name the log to read.
 */
export async function waitUntil(
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; abort?: () => string | undefined; describe: () => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw new RuntimeFailure(`${opts.describe()}: ${aborted}`);
    if (await probe()) return;
    if (Date.now() > deadline)
      throw new RuntimeFailure(`${opts.describe()}: not ready after ${opts.timeoutMs / 1000} s`);
    await sleep(opts.intervalMs ?? 200);
  }
}
