// The stack that `npm run local -- --keep` leaves running: its supervisor's pid and endpoints, in STATE-DIR/stack.json.
import fs from "node:fs";
import { RuntimeFailure } from "../cli/errors";
import type { Layout } from "./layout";
import type { StackEndpoints } from "./stack";

export interface StackFile {
  pid: number;
  startedAt?: string;
  endpoints: StackEndpoints;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The kept stack of `layout`, if its supervisor still runs (a stale file is removed). */
export function readStackFile(layout: Layout): StackFile | undefined {
  if (!fs.existsSync(layout.stackFile)) return undefined;
  const stack = JSON.parse(fs.readFileSync(layout.stackFile, "utf8")) as StackFile;
  if (isAlive(stack.pid)) return stack;
  fs.rmSync(layout.stackFile);
  return undefined;
}

/** Names this process as the stack's supervisor: `down` stops it, and the emulator finds the stack. */
export function writeStackFile(layout: Layout, endpoints: StackEndpoints): void {
  const stack: StackFile = { pid: process.pid, startedAt: new Date().toISOString(), endpoints };
  fs.writeFileSync(layout.stackFile, JSON.stringify(stack, null, 2) + "\n", { mode: 0o600 });
}

export function requireKeptStack(layout: Layout, command: string): StackFile {
  const stack = readStackFile(layout);
  if (!stack)
    throw new RuntimeFailure(
      `no local stack runs from ${layout.stateDir}, so there is nothing to ${command}; start one with: npm run local -- --keep`,
    );
  return stack;
}
