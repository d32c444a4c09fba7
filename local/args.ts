// Command-line flags of `npm run local -- [command] [flags]` (the text is local/usage.txt).
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../cli/errors";
import { validatePrefix } from "../contract";
import { DEFAULT_STATE_DIR } from "./layout";
import { DEFAULT_PORT_BASE } from "./ports";

export const USAGE = fs.readFileSync(path.join(__dirname, "usage.txt"), "utf8").trimEnd();

/** The commands as the usage lists them (the order `tools/local.sh` names them in, too). */
const LISTED_COMMANDS = [...USAGE.matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1]);

export const COMMANDS = [
  "run",
  "up",
  "down",
  "status",
  "logs",
  "jobs",
  "restart",
  "peek",
  "query",
  "serve",
] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  command: Command;
  /** `logs COMPONENT`: the one log to print; `restart COMPONENT`: the service to restart. */
  component?: string;
  /** `query SQL`: the statement to run against the local lake. */
  sql?: string;
  /** `peek NAME`: the topic or stream to print the last records of. */
  peekName?: string;
  /** `peek -n N`: how many records. */
  records: number;
  /** `jobs --batch-only` / `--stream-only`: the one job to run. */
  only?: "batch" | "stream";
  /** `--spark-ui`: the Spark UI on 4040 while the jobs run, and an event log for the History Server. */
  sparkUi: boolean;
  posts: number;
  summaryFile?: string;
  keep: boolean;
  /** `up --live`: the stream job runs continuously and the metrics print until Ctrl-C or local:down. */
  live: boolean;
  json: boolean;
  follow: boolean;
  stateDir: string;
  prefix: string;
  portBase: number;
  help: boolean;
  version: boolean;
}

function integer(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(
      `${flag} needs a whole number from ${min} to ${max} (got ${text === undefined ? "nothing" : `"${text}"`})`,
    );
  }
  return Number(text);
}

// Flags that only make sense for some commands; anything else is accepted everywhere.
const ONLY_FOR: Record<string, Command[]> = {
  "--posts": ["run"],
  "--keep": ["run"],
  "--live": ["run"],
  "--summary": ["run", "jobs"],
  "--json": ["run", "jobs", "status", "peek", "query"],
  "--follow": ["logs"],
  "--batch-only": ["jobs"],
  "--stream-only": ["jobs"],
  "--spark-ui": ["run", "jobs"],
  "-n": ["peek"],
};

/** Commands that take one argument after them: what it names. */
const ARGUMENT: Partial<Record<Command, string>> = {
  logs: "the component",
  restart: "the component",
  peek: "the topic or stream",
};

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = {
    command: "run",
    posts: 2000,
    records: 10,
    sparkUi: false,
    keep: false,
    live: false,
    json: false,
    follow: false,
    stateDir: DEFAULT_STATE_DIR,
    prefix: "local",
    portBase: DEFAULT_PORT_BASE,
    help: false,
    version: false,
  };
  const rest = [...argv];
  if (rest[0] && !rest[0].startsWith("-")) {
    const command = rest.shift()!;
    if (!(COMMANDS as readonly string[]).includes(command))
      throw new UsageError(`unknown command "${command}": use one of: ${LISTED_COMMANDS.join(" ")}`);
    args.command = command as Command;
  }
  if (ARGUMENT[args.command] && rest[0] && !rest[0].startsWith("-")) {
    if (args.command === "peek") args.peekName = rest.shift();
    else args.component = rest.shift();
  }
  if (args.command === "peek" && !args.peekName && !rest.some((flag) => flag === "-h" || flag === "--help"))
    throw new UsageError("peek needs a topic or stream name, e.g. peek local.pin -n 5");
  if (args.command === "query") {
    if (rest[0] === undefined || rest[0].startsWith("--"))
      throw new UsageError(
        'query needs the SQL, e.g. npm run local -- query "SELECT * FROM pin_now LIMIT 5"',
      );
    args.sql = rest.shift();
  }
  const seen: string[] = [];
  while (rest.length > 0) {
    const flag = rest.shift()!;
    seen.push(flag);
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
      case "--live":
        args.live = true;
        break;
      case "--json":
        args.json = true;
        break;
      case "--follow":
      case "-f":
        args.follow = true;
        break;
      case "-n":
        args.records = integer(flag, rest.shift(), 1, 10_000);
        break;
      case "--batch-only":
      case "--stream-only":
        if (args.only) throw new UsageError("give --batch-only or --stream-only, not both");
        args.only = flag === "--batch-only" ? "batch" : "stream";
        break;
      case "--spark-ui":
        args.sparkUi = true;
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
        args.help = true;
        break;
      case "--version":
        args.version = true;
        break;
      default:
        throw new UsageError(
          flag.startsWith("-")
            ? `unknown flag "${flag}"`
            : `unexpected argument "${flag}" (only logs, restart, peek and query take one: ${Object.entries(
                ARGUMENT,
              )
                .map(([command, what]) => `${command} ${what}`)
                .join(", ")}, query the SQL)`,
        );
    }
  }
  for (const flag of seen) {
    const commands = ONLY_FOR[flag === "-f" ? "--follow" : flag];
    if (commands && !commands.includes(args.command))
      throw new UsageError(`${flag} does not apply to ${args.command} (only to ${commands.join(", ")})`);
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
