// npm run emulator -- <seed|batch|stream> [flags]: seeds the source database and sends its rows as traffic.
import fs from "node:fs";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { TABLES } from "../contract";
import { KINESIS_LIMITS } from "../contract/wire";
import { connect, fetchPosts, postKeys, seed } from "./db";
import {
  Delivery,
  DEFAULT_RETRY,
  FailureFile,
  newStats,
  total,
  type Target,
  type Transport,
} from "./delivery";
import { EXIT, RuntimeFailure, runCli, UsageError } from "../cli/errors";
import { eachPost } from "./generator";
import { Run, summarize, type Load, type Selection } from "./run";
import { readOutputsFile, readStackOutputs, type StackOutputs } from "./targets";
import { apiRegion, sigV4Signer } from "./sigv4";
import { ApiTransport, REQUEST_TIMEOUT_MS } from "./transport-api";
import { keptLocalStack } from "./local-defaults";
import { SdkTransport } from "./transport-sdk";

const PROJECT_VERSION = (
  JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }
).version;

/** Each default once: the parsers below and the help texts read these. */
export const DEFAULTS = {
  posts: 11_000,
  seed: "1",
  mode: "sequential",
  rate: 0,
  concurrency: 4,
  batchSize: 100,
} as const;

const USAGE = `Usage: npm run emulator -- <command> [flags]

Commands:
  seed     create the three source tables and fill them with realistic posts
  batch    send posts to the Kafka topics through the ingest API (POST /topics/{topic})
  stream   send posts to the Kinesis streams, through the ingest API or with the AWS SDK

Run "npm run emulator -- <command> --help" for the flags of a command.`;

const SEED_HELP = `Usage: npm run emulator -- seed [--db <url>] [--posts N] [--seed S] [--json]

Creates pinterest_data, geolocation_data and user_data if missing and replaces their
content with N generated posts (one row per post in each table), in one transaction.
The same --posts and --seed always give the same rows, and seeding again does not
duplicate anything.

  --db <url>      mysql://user:password@host:port/database (default: EMULATOR_DB_URL, else the database
                  of a stack kept by npm run local -- --keep)
  --posts <N>     number of posts (default ${DEFAULTS.posts})
  --seed <S>      seed of the generator (default ${DEFAULTS.seed})
  --json          print the summary as JSON
  --help          this text`;

const SEND_FLAGS = `  --db <url>            source database, mysql://user:password@host:port/database (default: EMULATOR_DB_URL,
                        else the database of a stack kept by npm run local -- --keep)
  --outputs <file>      stack outputs JSON (pulumi stack output --json --show-secrets, or local mode's file;
                        default: .local/outputs.json of a kept local stack)
  --stack <name>        read the outputs with: pulumi stack output --json --show-secrets --stack <name>
  --mode <m>            sequential (each post in key order, wrapping around) or random (with replacement,
                        like the original emulator); default ${DEFAULTS.mode}
  --count <N>           send N posts (3 records each: pin, geo, user)
  --all                 send as many posts as the database holds (the default)
  --duration <d>        send until the time is up: 90, 90s, 5m, 1h
  --rate <r>            records per second over the three tables; 0 = as fast as possible (default ${DEFAULTS.rate})
  --concurrency <n>     requests in flight at once (default ${DEFAULTS.concurrency})
  --batch-size <n>      records per request; 1 behaves like the original emulator (default ${DEFAULTS.batchSize})
  --seed <S>            seed of the random selection (default ${DEFAULTS.seed})
  --max-tries <n>       tries per request before its records go to the failure file (default ${DEFAULT_RETRY.maxTries})
  --request-timeout <d> give up waiting for an answer after this long and try again: 30s, 5s, 500ms
                        (default ${REQUEST_TIMEOUT_MS / 1000}s)
  --sigv4               sign every request with SigV4 (the caller's AWS credentials from the default chain),
                        for a stack whose apiAuthorization is iam; the region comes from apiUrl
  --failed-file <file>  where undeliverable records go, as JSON lines
                        (default .local/emulator/failed-<command>-<time>.jsonl)
  --json                print the final summary as JSON
  --help                this text`;

const BATCH_HELP = `Usage: npm run emulator -- batch [--db <url>] [--outputs <file> | --stack <name>] [flags]

Sends each selected post's pin, geo and user rows to the topics {prefix}.pin, .geo, .user:
POST {apiUrl}/topics/{topic} with Content-Type application/vnd.kafka.json.v2+json and x-api-key.

${SEND_FLAGS}`;

const STREAM_HELP = `Usage: npm run emulator -- stream [--db <url>] [--outputs <file> | --stack <name>] [flags]

Sends each selected post's pin, geo and user rows to the streams {prefix}-pin, -geo, -user:
PUT {apiUrl}/streams/{stream}/record (batch size 1) or .../records (PutRecords), with x-api-key.

${SEND_FLAGS}
  --via <api|sdk>       api: through the ingest API (default); sdk: PutRecords with @aws-sdk/client-kinesis,
                        credentials from the default AWS chain
  --endpoint <url>      with --via sdk: Kinesis endpoint (e.g. a local Kinesis server)
  --region <region>     with --via sdk: AWS region (default AWS_REGION, else us-east-1)`;

const HELP: Record<string, string> = { seed: SEED_HELP, batch: BATCH_HELP, stream: STREAM_HELP };

const SEND_OPTIONS = {
  db: { type: "string" },
  outputs: { type: "string" },
  stack: { type: "string" },
  mode: { type: "string" },
  count: { type: "string" },
  all: { type: "boolean" },
  duration: { type: "string" },
  rate: { type: "string" },
  concurrency: { type: "string" },
  "batch-size": { type: "string" },
  seed: { type: "string" },
  "max-tries": { type: "string" },
  "request-timeout": { type: "string" },
  "failed-file": { type: "string" },
  sigv4: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

const OPTIONS = {
  seed: {
    db: { type: "string" },
    posts: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean" },
  },
  batch: SEND_OPTIONS,
  stream: {
    ...SEND_OPTIONS,
    via: { type: "string" },
    endpoint: { type: "string" },
    region: { type: "string" },
  },
} as const satisfies Record<string, ParseArgsConfig["options"]>;

type Command = keyof typeof OPTIONS;
type Flags = Record<string, string | boolean | undefined>;

function parse(command: Command, args: string[]): Flags {
  try {
    return parseArgs({ args, options: OPTIONS[command], strict: true, allowPositionals: false })
      .values as Flags;
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message.split("\n")[0]}; see: npm run emulator -- ${command} --help`,
    );
  }
}

function integer(
  flags: Flags,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(String(raw)) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""} (got "${raw}")`,
    );
  }
  return value;
}

export function parseDuration(raw: string, flag = "--duration"): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!match || Number(match[1]) <= 0)
    throw new UsageError(`${flag} must look like 90, 90s, 5m or 1h (got "${raw}")`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

/** --db, else EMULATOR_DB_URL (keeps the password off the command line), else a kept local stack's database. */
function requireDb(flags: Flags, command: Command): string {
  if (typeof flags.db === "string" && flags.db !== "") return flags.db;
  const fromEnv = process.env.EMULATOR_DB_URL;
  if (fromEnv) return fromEnv;
  const kept = keptLocalStack();
  if (kept) return kept.dbUrl;
  throw new UsageError(
    `--db <mysql url> is required (or EMULATOR_DB_URL, or a stack kept by npm run local -- --keep); see: npm run emulator -- ${command} --help`,
  );
}

async function runSeed(flags: Flags): Promise<number> {
  const posts = integer(flags, "posts", DEFAULTS.posts, 1, 10_000_000);
  const seedValue = String(flags.seed ?? DEFAULTS.seed);
  const connection = await connect(requireDb(flags, "seed"));
  const started = Date.now();
  try {
    await seed(connection, eachPost(posts, seedValue));
  } finally {
    await connection.end();
  }
  const summary = {
    posts,
    rows: posts * TABLES.length,
    seed: seedValue,
    durationSeconds: (Date.now() - started) / 1000,
  };
  console.log(
    flags.json
      ? JSON.stringify(summary)
      : `seeded ${posts} posts (${summary.rows} rows) with seed ${seedValue} in ${summary.durationSeconds.toFixed(1)} s`,
  );
  return EXIT.ok;
}

async function loadOutputs(flags: Flags): Promise<StackOutputs> {
  if (flags.outputs !== undefined && flags.stack !== undefined)
    throw new UsageError("pass either --outputs or --stack, not both");
  if (typeof flags.outputs === "string") return readOutputsFile(flags.outputs);
  if (typeof flags.stack === "string") return readStackOutputs(flags.stack);
  const kept = keptLocalStack();
  if (kept) return readOutputsFile(kept.outputsFile);
  throw new UsageError(
    "say where to send: --outputs <file> or --stack <name> (or keep a local stack running: npm run local -- --keep)",
  );
}

/** Validates the selection flags; `count` stays undefined for --all until the number of posts is known. */
function selection(flags: Flags): Selection {
  const chosen = ["count", "all", "duration"].filter((name) => flags[name] !== undefined);
  if (chosen.length > 1)
    throw new UsageError(
      `pass only one of --count, --all, --duration (got ${chosen.map((name) => `--${name}`).join(", ")})`,
    );
  const mode = flags.mode ?? DEFAULTS.mode;
  if (mode !== "sequential" && mode !== "random")
    throw new UsageError(`--mode must be sequential or random (got "${mode}")`);
  return {
    mode,
    seed: String(flags.seed ?? DEFAULTS.seed),
    durationMs: typeof flags.duration === "string" ? parseDuration(flags.duration) : undefined,
    count: flags.count !== undefined ? integer(flags, "count", 0, 1) : undefined,
  };
}

function defaultFailedFile(command: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  return path.join(".local", "emulator", `failed-${command}-${stamp}.jsonl`);
}

function startProgress(stats: Delivery["stats"], started: number): () => void {
  if (!process.stderr.isTTY) return () => undefined;
  const timer = setInterval(() => {
    const sent = total(stats.sent);
    const rate = sent / Math.max((Date.now() - started) / 1000, 0.001);
    process.stderr.write(
      `\rsent ${sent}  failed ${total(stats.failed)}  retries ${stats.retries}  ${rate.toFixed(0)} records/s `,
    );
  }, 500);
  return () => {
    clearInterval(timer);
    process.stderr.write("\r\x1b[K");
  };
}

async function runSend(command: "batch" | "stream", flags: Flags): Promise<number> {
  const via = flags.via ?? "api";
  if (via !== "api" && via !== "sdk") throw new UsageError(`--via must be api or sdk (got "${via}")`);
  if (via === "api" && (flags.endpoint !== undefined || flags.region !== undefined)) {
    throw new UsageError("--endpoint and --region apply to --via sdk only");
  }
  if (via === "sdk" && flags.sigv4)
    throw new UsageError("--sigv4 applies to --via api only (the SDK signs itself)");
  const maxBatch = command === "stream" ? KINESIS_LIMITS.recordsPerPut : 10_000;
  const load: Load = {
    rate: integer(flags, "rate", DEFAULTS.rate, 0),
    concurrency: integer(flags, "concurrency", DEFAULTS.concurrency, 1, 1024),
    batchSize: integer(flags, "batch-size", DEFAULTS.batchSize, 1, maxBatch),
  };
  const maxTries = integer(flags, "max-tries", DEFAULT_RETRY.maxTries, 1, 100);
  const requestTimeoutMs =
    typeof flags["request-timeout"] === "string"
      ? parseDuration(flags["request-timeout"], "--request-timeout")
      : REQUEST_TIMEOUT_MS;
  const chosen = selection(flags);
  const dbUrl = requireDb(flags, command);
  const outputs = await loadOutputs(flags);
  const sign = flags.sigv4 ? await sigV4Signer(apiRegion(outputs.apiUrl)) : undefined;
  const connection = await connect(dbUrl);
  let transport: Transport | undefined;
  let failures: FailureFile | undefined;
  try {
    const keys = await postKeys(connection);
    if (keys.length === 0)
      throw new RuntimeFailure(
        "the source tables are empty; fill them with: npm run emulator -- seed --db <url>",
      );
    if (chosen.count === undefined && chosen.durationMs === undefined) chosen.count = keys.length;
    transport =
      via === "sdk"
        ? new SdkTransport({
            endpoint: flags.endpoint as string | undefined,
            region: flags.region as string | undefined,
          })
        : new ApiTransport(outputs, load.concurrency, requestTimeoutMs, sign);
    failures = new FailureFile(String(flags["failed-file"] ?? defaultFailedFile(command)));
    const delivery = new Delivery(transport, failures, newStats(), { ...DEFAULT_RETRY, maxTries });
    const targetOf = (table: (typeof TABLES)[number]): Target =>
      command === "batch"
        ? { table, kind: "topic", name: outputs.topics[table] }
        : { table, kind: "stream", name: outputs.streams[table] };
    const run = new Run(
      { keys: async () => keys, fetch: (wanted) => fetchPosts(connection, wanted) },
      delivery,
      targetOf,
    );

    // SIGTERM (a supervisor stopping the run) is handled as Ctrl-C is: what is in flight finishes or goes to the
    // failure file, the summary is printed, and the exit code is the interrupted one.
    let interrupts = 0;
    const onInterrupt = (signal: NodeJS.Signals) => {
      if (++interrupts > 1) process.exit(EXIT.interrupted);
      process.stderr.write(
        `\nemulator: ${signal}: finishing the requests in flight (${signal} again to quit at once)\n`,
      );
      run.interrupt();
    };
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onInterrupt);
    const stopProgress = startProgress(delivery.stats, Date.now());
    const result = await run.execute(chosen, load).finally(stopProgress);
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);

    const summary = summarize(result, failures.used ? failures.file : null);
    if (flags.json) {
      console.log(JSON.stringify(summary));
    } else {
      const tables = TABLES.map((table) => `${table} ${summary.tables[table].sent}`).join(", ");
      console.log(
        `${command}: sent ${summary.sent} records (${tables}), failed ${summary.failed}, retries ${summary.retries}, ` +
          `${summary.durationSeconds} s, ${summary.recordsPerSecond} records/s` +
          (summary.failedFile ? `; undelivered records are in ${summary.failedFile}` : ""),
      );
    }
    if (result.stoppedBy === "fatal") throw new RuntimeFailure(`stopped: ${result.fatalError}`);
    if (result.stoppedBy === "interrupt") return EXIT.interrupted;
    return summary.failed > 0 ? EXIT.partialDelivery : EXIT.ok;
  } finally {
    failures?.close();
    await transport?.close();
    await connection.end();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === "--version") {
    console.log(`pinterest-data-pipeline ${PROJECT_VERSION}`);
    return EXIT.ok;
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    if (command === undefined) {
      process.stderr.write(USAGE + "\n");
      return EXIT.usage;
    }
    console.log(USAGE);
    return EXIT.ok;
  }
  if (!(command in OPTIONS))
    throw new UsageError(`unknown command "${command}"; use seed, batch or stream (see --help)`);
  const flags = parse(command as Command, args);
  if (flags.help) {
    console.log(HELP[command]);
    return EXIT.ok;
  }
  if (command === "seed") return runSeed(flags);
  return runSend(command as "batch" | "stream", flags);
}

if (require.main === module) runCli("emulator", () => main(process.argv.slice(2)));
