// The state files of local mode, read by local mode and by the emulator (which finds a kept local stack through
// them): one owner of their names and of the stack file's format. Local mode sits above the emulator, so both
// import this module rather than each other.
import fs from "node:fs";
import path from "node:path";

/** `.local/` in the repository, where local mode keeps its state unless told otherwise. */
export const DEFAULT_STATE_DIR = path.resolve(__dirname, "..", ".local");

/** The files below a state directory that outlive one command. */
export const STATE_FILES = {
  /** Written while a stack started with --keep runs: its supervisor's pid and endpoints. */
  stack: "stack.json",
  /** The stack outputs' shape (docs/contract.md section 6). */
  outputs: "outputs.json",
  summary: "summary.json",
} as const;

/** STATE-DIR/stack.json: the kept stack's supervisor and the endpoints it serves. */
export interface StackFile<Endpoints = unknown> {
  pid: number;
  startedAt?: string;
  endpoints: Endpoints;
}

export function isAlive(pid: unknown): boolean {
  if (typeof pid !== "number") return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The stack file's content as written, or undefined when there is none. Throws when it is not JSON. */
export function readStackFileAt<Endpoints>(file: string): Partial<StackFile<Endpoints>> | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as Partial<StackFile<Endpoints>>;
}

export function writeStackFileAt<Endpoints>(file: string, endpoints: Endpoints): void {
  const stack: StackFile<Endpoints> = { pid: process.pid, startedAt: new Date().toISOString(), endpoints };
  fs.writeFileSync(file, JSON.stringify(stack, null, 2) + "\n", { mode: 0o600 });
}
