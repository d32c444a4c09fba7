// Command-line flags of `npm run local` / `npm run local:down`.
import path from "node:path";
import { UsageError } from "../cli/errors";
import { validatePrefix } from "../contract";
import { DEFAULT_STATE_DIR } from "./layout";
import { DEFAULT_PORT_BASE } from "./ports";

export const USAGE = `usage: tsx local/cli.ts up|down [--posts N] [--summary FILE] [--keep] [--state-dir DIR] [--prefix P] [--port-base N]
  up            start the local stack, send --posts posts through it, run both jobs, print the gold tables (default)
  down          stop a stack that \`up --keep\` left running in --state-dir
  --posts N     posts to seed and send (default 2000)
  --summary F   also write the run summary JSON to F (it is always written to STATE-DIR/summary.json)
  --keep        leave the stack running after the run (stop it with: npm run local:down)
  --state-dir D where data, logs, outputs.json and the lake go (default .local/)
  --prefix P    stack prefix that names topics and streams (default local)
  --port-base N first of seven consecutive ports on 127.0.0.1 (default ${DEFAULT_PORT_BASE}); 0 picks free ports`;

export interface CliArgs {
  command: "up" | "down" | "serve";
  posts: number;
  summaryFile?: string;
  keep: boolean;
  stateDir: string;
  prefix: string;
  portBase: number;
}

function integer(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(
      `${flag} needs a whole number from ${min} to ${max} (got ${text === undefined ? "nothing" : `"${text}"`})`,
    );
  }
  return Number(text);
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = {
    command: "up",
    posts: 2000,
    keep: false,
    stateDir: DEFAULT_STATE_DIR,
    prefix: "local",
    portBase: DEFAULT_PORT_BASE,
  };
  const rest = [...argv];
  if (rest[0] && !rest[0].startsWith("-")) {
    const command = rest.shift()!;
    if (command !== "up" && command !== "down" && command !== "serve")
      throw new UsageError(`unknown command "${command}": use up or down`);
    args.command = command;
  }
  while (rest.length > 0) {
    const flag = rest.shift()!;
    const value = (): string => {
      const next = rest.shift();
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "--posts":
        args.posts = integer(flag, rest.shift(), 1, 10_000_000);
        break;
      case "--summary":
        args.summaryFile = path.resolve(value());
        break;
      case "--keep":
        args.keep = true;
        break;
      case "--state-dir":
        args.stateDir = path.resolve(value());
        break;
      case "--prefix":
        try {
          args.prefix = validatePrefix(value());
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        break;
      case "--port-base":
        args.portBase = integer(flag, rest.shift(), 0, 65_529);
        if (args.portBase !== 0 && args.portBase < 1024)
          throw new UsageError("--port-base must be 0 or at least 1024");
        break;
      case "--help":
      case "-h":
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown flag "${flag}"`);
    }
  }
  return args;
}

/** The flags that reproduce `args` for the supervisor process of `up --keep`. */
export function serveArgs(args: CliArgs): string[] {
  return [
    "serve",
    "--state-dir",
    args.stateDir,
    "--prefix",
    args.prefix,
    "--port-base",
    String(args.portBase),
  ];
}
