// The stack that `npm run local -- --keep` leaves running: its supervisor's pid and endpoints, in STATE-DIR/stack.json.
import fs from "node:fs";
import { RuntimeFailure } from "../cli/errors";
import {
  isAlive,
  readStackFileAt,
  writeStackFileAt,
  type StackFile as StackFileOf,
} from "../cli/local-state";
import type { Layout } from "./layout";
import type { StackEndpoints } from "./stack";

export type StackFile = StackFileOf<StackEndpoints>;

/** The kept stack of `layout`, if its supervisor still runs (a stale file is removed). */
export function readStackFile(layout: Layout): StackFile | undefined {
  const stack = readStackFileAt<StackEndpoints>(layout.stackFile) as StackFile | undefined;
  if (!stack) return undefined;
  if (isAlive(stack.pid)) return stack;
  fs.rmSync(layout.stackFile);
  return undefined;
}

/** Names this process as the stack's supervisor: `down` stops it, and the emulator finds the stack. */
export function writeStackFile(layout: Layout, endpoints: StackEndpoints): void {
  writeStackFileAt(layout.stackFile, endpoints);
}

export function requireKeptStack(layout: Layout, command: string): StackFile {
  const stack = readStackFile(layout);
  if (!stack)
    throw new RuntimeFailure(
      `no local stack runs from ${layout.stateDir}, so there is nothing to ${command}; start one with: npm run local -- --keep`,
    );
  return stack;
}
