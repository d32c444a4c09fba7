// Defaults from a local stack that `npm run local -- --keep` left running: its database and its outputs file, so that
// `npm run emulator -- batch` needs no flag against it. The state files' format is cli/local-state.ts's.
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_STATE_DIR, isAlive, readStackFileAt, STATE_FILES } from "../cli/local-state";

export interface LocalDefaults {
  stateDir: string;
  dbUrl: string;
  outputsFile: string;
}

/** The kept stack's database URL and outputs file, when one runs from `stateDir`. */
export function keptLocalStack(stateDir = DEFAULT_STATE_DIR): LocalDefaults | undefined {
  const outputsFile = path.join(stateDir, STATE_FILES.outputs);
  if (!fs.existsSync(outputsFile)) return undefined;
  let stack: ReturnType<typeof readStackFileAt<{ dbUrl?: unknown }>>;
  try {
    stack = readStackFileAt<{ dbUrl?: unknown }>(path.join(stateDir, STATE_FILES.stack));
  } catch {
    return undefined;
  }
  const dbUrl = stack?.endpoints?.dbUrl;
  if (!stack || !isAlive(stack.pid) || typeof dbUrl !== "string") return undefined;
  return { stateDir, dbUrl, outputsFile };
}
