// `npm run local -- restart <component>`: the kept stack's supervisor restarts one of its services. The command
// writes a request file and signals the supervisor (SIGUSR2); the supervisor answers in a file beside it.
import fs from "node:fs";
import path from "node:path";
import { RuntimeFailure, UsageError } from "../cli/errors";
import type { StackFile } from "./kept-stack";
import type { Layout } from "./layout";
import { sleep } from "./services/net";
import type { Stack } from "./stack";

/** The services a kept stack can restart in place, on the same data and ports. */
const RESTARTABLE: Record<string, (stack: Stack) => Promise<void>> = {
  kafka: (stack) => stack.kafka.restart(),
  connect: async (stack) => {
    await stack.connect.kill();
    await stack.connect.start();
  },
  s3proxy: async (stack) => {
    await stack.s3.down();
    await stack.s3.up();
  },
};

const RESTART_TIMEOUT_MS = 3 * 60_000;
const requestFile = (layout: Layout): string => path.join(layout.stateDir, "restart-request");
const answerFile = (layout: Layout): string => path.join(layout.stateDir, "restart-answer");

export function checkComponent(component: string | undefined): string {
  if (!component || !(component in RESTARTABLE))
    throw new UsageError(
      `restart needs a component: ${Object.keys(RESTARTABLE).join(", ")} (got ${component ? `"${component}"` : "nothing"})`,
    );
  return component;
}

/** Asks the supervisor of `kept` to restart `component` and waits for its answer. */
export async function requestRestart(layout: Layout, kept: StackFile, component: string): Promise<void> {
  fs.rmSync(answerFile(layout), { force: true });
  fs.writeFileSync(requestFile(layout), component);
  process.kill(kept.pid, "SIGUSR2");
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  while (!fs.existsSync(answerFile(layout))) {
    if (Date.now() > deadline)
      throw new RuntimeFailure(
        `${component} did not restart within ${RESTART_TIMEOUT_MS / 1000} s (log: ${path.join(layout.logsDir, "stack.log")})`,
      );
    await sleep(200);
  }
  const answer = fs.readFileSync(answerFile(layout), "utf8");
  fs.rmSync(answerFile(layout), { force: true });
  if (answer !== "ok") throw new RuntimeFailure(`restarting ${component} failed: ${answer}`);
}

/** In the supervisor: serves restart requests, one at a time, until the returned function is called. */
export function serveRestarts(layout: Layout, stack: Stack, say: (line: string) => void): () => void {
  let busy = Promise.resolve();
  const handler = (): void => {
    busy = busy.then(async () => {
      if (!fs.existsSync(requestFile(layout))) return;
      const component = fs.readFileSync(requestFile(layout), "utf8").trim();
      fs.rmSync(requestFile(layout), { force: true });
      say(`restarting ${component}`);
      let answer = "ok";
      try {
        await RESTARTABLE[checkComponent(component)](stack);
        say(`${component} restarted`);
      } catch (error) {
        answer = (error as Error).message.split("\n")[0];
        say(`restarting ${component} failed: ${answer}`);
      }
      fs.writeFileSync(answerFile(layout), answer);
    });
  };
  process.on("SIGUSR2", handler);
  return () => process.off("SIGUSR2", handler);
}
