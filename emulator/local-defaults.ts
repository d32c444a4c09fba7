// Defaults from a local stack that `npm run local -- --keep` left running: its database and its outputs file, so that
// `npm run emulator -- batch` needs no flag against it. Local mode writes STATE-DIR/stack.json ({pid, endpoints})
// while the stack runs and STATE-DIR/outputs.json (the stack outputs' shape); STATE-DIR is .local/ by default.
import fs from "node:fs";
import path from "node:path";

export const LOCAL_STATE_DIR = path.resolve(__dirname, "..", ".local");

export interface LocalDefaults {
  stateDir: string;
  dbUrl: string;
  outputsFile: string;
}

function running(pid: unknown): boolean {
  if (typeof pid !== "number") return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The kept stack's database URL and outputs file, when one runs from `stateDir`. */
export function keptLocalStack(stateDir = LOCAL_STATE_DIR): LocalDefaults | undefined {
  const stackFile = path.join(stateDir, "stack.json");
  const outputsFile = path.join(stateDir, "outputs.json");
  if (!fs.existsSync(stackFile) || !fs.existsSync(outputsFile)) return undefined;
  let stack: { pid?: unknown; endpoints?: { dbUrl?: unknown } };
  try {
    stack = JSON.parse(fs.readFileSync(stackFile, "utf8")) as typeof stack;
  } catch {
    return undefined;
  }
  const dbUrl = stack.endpoints?.dbUrl;
  if (!running(stack.pid) || typeof dbUrl !== "string") return undefined;
  return { stateDir, dbUrl, outputsFile };
}
